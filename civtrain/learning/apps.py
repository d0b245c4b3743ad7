from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A learner who signs out (or whose session ends) leaves no play token working."""
    if user is not None and user.pk is not None:
        from civtrain.learning.playback import play_sessions_end

        play_sessions_end(user_id=user.pk)


class LearningConfig(AppConfig):
    name = "civtrain.learning"
    verbose_name = "Online learning"

    def ready(self) -> None:
        user_logged_out.connect(_signed_out, dispatch_uid="learning-play-sessions-end")
