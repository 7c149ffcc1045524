"""wirebeam.pipeline."""
