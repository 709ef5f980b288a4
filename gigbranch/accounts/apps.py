from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gigbranch.accounts"
    label = "accounts"
