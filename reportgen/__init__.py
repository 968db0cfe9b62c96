"""reportgen: build the "Mr. Glassy the Bot" image-classification Docusaurus page from a dataset
(the embedded MNIST by default).

A library in layers (engine, data, analysis, models, report; README's Architecture
section) with a thin typer CLI on top (reportgen.cli) and the order of the stages in
reportgen.pipeline.
"""

__version__ = "0.4.0"
