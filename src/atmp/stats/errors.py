"""The one error the statistics engine raises for input a method cannot use."""


class StatsInputError(ValueError):
    """Input a method cannot use: `field` names the option or column, the message what the method needs."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
