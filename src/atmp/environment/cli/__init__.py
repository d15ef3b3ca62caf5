import click


@click.group()
def environment() -> None:
    """EM."""
