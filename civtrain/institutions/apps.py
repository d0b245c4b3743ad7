from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "civtrain.institutions"
    verbose_name = "Institutions"
