from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "civtrain.enrolment"
    verbose_name = "Enrolment"
