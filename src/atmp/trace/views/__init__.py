"""Traceability's pages, one module per area; the index page lists the areas."""
