"""atmp: a verifiable GMP system of record for advanced therapy medicinal products."""

__version__ = "0.1.0"
