"""The quality system's pages, one module per area; the index page lists the areas."""
