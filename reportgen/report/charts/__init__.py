"""Drawing: one module per chart or image gallery the page shows (files under the site's
assets folder, named by report.assets)."""
