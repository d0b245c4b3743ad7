from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civtrain.accounts"
    verbose_name = "Accounts"
