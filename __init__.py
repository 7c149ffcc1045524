"""wirebeam: news ingestion on Apache Beam.

The repository root is this package: pipeline/, transforms/ and schemas/ install as
wirebeam.pipeline, wirebeam.transforms and wirebeam.schemas (see pyproject.toml).
"""
__version__ = "0.1.0"
