from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "civtrain.documents"
    verbose_name = "Documents"
