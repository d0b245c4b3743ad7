from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "civtrain.plans"
    verbose_name = "Plans"
