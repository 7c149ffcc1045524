"""Named entities: the bundled spaCy taggers (models/), their components, and the per-article norms."""
