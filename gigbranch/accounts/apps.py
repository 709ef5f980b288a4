from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gigbranch.accounts"
    label = "accounts"

    def ready(self) -> None:
        from .tokenauth import connect_signals

        connect_signals()
