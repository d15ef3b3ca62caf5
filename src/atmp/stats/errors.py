"""The error the statistics engine raises for input a method cannot use (and its too-large kind)."""


class StatsInputError(ValueError):
    """Input a method cannot use: `field` names the option or column, the message what the method needs."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TooLarge(StatsInputError):
    """An upload over an analysis's declared limit (bytes or rows): HTTP 413, refused before it is parsed."""

    def __init__(self, field: str, message: str, *, limit_bytes: int, limit_rows: int) -> None:
        super().__init__(field, message)
        self.limit_bytes = limit_bytes
        self.limit_rows = limit_rows
