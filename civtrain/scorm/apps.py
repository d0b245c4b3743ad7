from django.apps import AppConfig


class ScormConfig(AppConfig):
    name = "civtrain.scorm"
    verbose_name = "SCORM courseware"
