from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "civtrain.learning"
    verbose_name = "Online learning"
