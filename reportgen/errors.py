"""Exceptions for errors a user can cause. The CLI prints them as one line, exit code 2."""


class ReportgenError(Exception):
    """Base class: a user-facing problem (bad file, bad option). Message is one line."""

    exit_code = 2


class DatasetError(ReportgenError):
    """The dataset file or folder is missing or unreadable, or its arrays are not an
    image-classification dataset (or not the one its card describes)."""


class ModelError(ReportgenError):
    """A model file is missing, unreadable or does not fit the dataset."""


class ImageError(ReportgenError):
    """A user image cannot be read or holds no ink."""


class SiteError(ReportgenError):
    """The site directory or a file the page needs is missing or unusable."""


class OptionsError(ReportgenError):
    """A combination of options that cannot work (e.g. --model with --epochs)."""
