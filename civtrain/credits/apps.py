from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "civtrain.credits"
    verbose_name = "Credits ledger"
