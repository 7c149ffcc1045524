"""wirebeam: news ingestion on Apache Beam.

The code lives in the repository's top-level folders (pipeline/, transforms/, schemas/) and is
installed as wirebeam.pipeline, wirebeam.transforms and wirebeam.schemas.
"""
__version__ = "0.1.0"
