"""The error every identifier function raises for input it refuses."""

from __future__ import annotations


class IdentifierError(ValueError):
    """An identifier refused: `field` names the identifier or its part, `rule` the rule it breaks."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
