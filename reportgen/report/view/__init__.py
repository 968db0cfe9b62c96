"""The view model: the page context built from the records, its accessible text, MDX
escaping, and the rendering of the templates."""
