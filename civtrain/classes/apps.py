from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "civtrain.classes"
    verbose_name = "Training classes"
