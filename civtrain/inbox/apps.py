from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "civtrain.inbox"
    verbose_name = "Inbox"
