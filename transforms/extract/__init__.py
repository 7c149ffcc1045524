"""Extraction: bytes of one document -> an article row (text, metadata) or a failure."""
