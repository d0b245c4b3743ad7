"""Logins, login failures and lockouts in the audit trail (#8 item 9).

django-axes already sees every login attempt (it throttles them); this handler, named by
AXES_HANDLER in the settings, keeps axes' own bookkeeping and adds one audit row per event.
It is configuration of the library we use, not a signal receiver of ours: the flow stays
visible in settings.
"""

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.contrib import messages

from civtrain.accounts import services, sessions
from civtrain.core import clock


class AuditingAxesHandler(AxesDatabaseHandler):
    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # Read before this login is recorded: the notice names the one before (#17 item 1).
        notice = services.last_login_notice(user_id=user.pk)
        services.login_event_record(
            action="auth.login", username=user.get_username(), succeeded=True
        )
        if user.is_superuser:  # not used in operation (#17 item 2): its use stands out
            services.login_event_record(
                action="auth.superuser_login", username=user.get_username(), succeeded=True
            )
        if request is not None and hasattr(request, "session"):
            sessions.session_start(request.session, user, clock.now())
            messages.info(request, notice, fail_silently=True)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        # Set by axes before the handler runs when the attempt came in already locked out.
        was_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None:
            return
        username = get_client_username(request, credentials) or ""
        failures = int(getattr(request, "axes_failures_since_start", 0) or 0)
        services.login_event_record(
            action="auth.login_failed",
            username=username,
            changes={"failures": failures, "locked_out": was_locked},
        )
        if getattr(request, "axes_locked_out", False) and not was_locked:
            services.login_event_record(
                action="auth.lockout", username=username, changes={"failures": failures}
            )
