from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "civtrain.organisations"
    verbose_name = "Organisations"
