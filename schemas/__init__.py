"""wirebeam.schemas: the Arrow schemas that are the output contract."""
from wirebeam.schemas.articles import ARTICLE, ENTITY, FAILURE

__all__ = ["ARTICLE", "ENTITY", "FAILURE"]
