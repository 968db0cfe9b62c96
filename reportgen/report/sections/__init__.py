"""The page's sections, one module each, each defining ``SECTION`` (report.section.Section):
found by report.section.sections(), never listed by hand."""
