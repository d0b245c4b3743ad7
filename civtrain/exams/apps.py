from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A candidate who signs out (or whose session ends) leaves no attempt token working."""
    if user is not None and user.pk is not None:
        from civtrain.exams.services import attempt_tokens_clear

        attempt_tokens_clear(user_id=user.pk)


class ExamsConfig(AppConfig):
    name = "civtrain.exams"
    verbose_name = "Exams"

    def ready(self) -> None:
        user_logged_out.connect(_signed_out, dispatch_uid="exams-attempt-tokens-clear")
