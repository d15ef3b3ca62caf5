"""REST operations."""
from ninja import Router

router = Router(tags=["environment"])
