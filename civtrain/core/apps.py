from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civtrain.core"
    verbose_name = "Core"
