from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "atmp.ledger"
    label = "ledger"
    verbose_name = "Ledger"
