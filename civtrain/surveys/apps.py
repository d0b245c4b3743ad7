from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "civtrain.surveys"
    verbose_name = "Surveys"
