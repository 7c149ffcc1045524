"""wirebeam.schemas: the Arrow schemas that are the output contract, and the record documents travel as."""
from wirebeam.schemas.articles import ARTICLE, ENTITY, FAILURE
from wirebeam.schemas.documents import Document

__all__ = ["ARTICLE", "ENTITY", "FAILURE", "Document"]
