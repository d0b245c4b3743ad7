from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "civtrain.materials"
    verbose_name = "Materials"
