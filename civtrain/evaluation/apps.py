from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "civtrain.evaluation"
    verbose_name = "Evaluation"
