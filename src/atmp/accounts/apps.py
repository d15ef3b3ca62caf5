from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "atmp.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        """Put accounts inside the proof: `atmp verify` checks every account's attested state."""
        from atmp.accounts import attest
        from atmp.ledger import attested

        attested.register(attest.USER_TYPE, attest.current_accounts)
