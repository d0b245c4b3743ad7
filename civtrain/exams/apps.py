from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "civtrain.exams"
    verbose_name = "Exams"
