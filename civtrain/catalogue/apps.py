from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "civtrain.catalogue"
    verbose_name = "Catalogue"
