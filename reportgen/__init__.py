"""reportgen: build the "Mr. Glassy the Bot" MNIST Docusaurus page from the dataset.

A library of stage modules (dataset, export, audit, train, gallery, predict, render,
pipeline) with a thin typer CLI on top (reportgen.cli).
"""

__version__ = "0.2.0"
