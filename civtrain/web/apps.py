from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "civtrain.web"
    verbose_name = "Web"
