from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "atmp.accounts"
    label = "accounts"
    verbose_name = "Accounts"
