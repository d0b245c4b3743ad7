from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "civtrain.xapi"
    verbose_name = "xAPI learning record store"
