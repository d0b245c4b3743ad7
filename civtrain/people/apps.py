from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civtrain.people"
    verbose_name = "People"
