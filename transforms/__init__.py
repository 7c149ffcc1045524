"""wirebeam.transforms."""
