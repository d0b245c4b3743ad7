from django.apps import AppConfig


class FacultyConfig(AppConfig):
    name = "civtrain.faculty"
    verbose_name = "Faculty"
