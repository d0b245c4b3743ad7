"""/xapi/: the LRS resources (no trailing slashes: the specification's paths) and its pages."""

from django.urls import path

from civtrain.xapi.views import lrs, pages

app_name = "xapi"

# The LRS resources: called by activity providers with HTTP Basic and JSON, never by a
# browser, so config/wsgi.py serves them through the middleware chain without sessions.
RESOURCE_NAMES = (
    "statements", "state", "activity_profile", "activities", "agent_profile", "agents", "about",
)  # fmt: skip

urlpatterns = [
    path("statements", lrs.statements, name="statements"),
    path("activities/state", lrs.state, name="state"),
    path("activities/profile", lrs.activity_profile, name="activity_profile"),
    path("activities", lrs.activities, name="activities"),
    path("agents/profile", lrs.agent_profile, name="agent_profile"),
    path("agents", lrs.agents, name="agents"),
    path("about", lrs.about, name="about"),
    path("credentials/", pages.credentials, name="credentials"),
    path(
        "credentials/<int:credential_id>/rotate/", pages.credential_rotate, name="credential_rotate"
    ),
    path(
        "credentials/<int:credential_id>/revoke/", pages.credential_revoke, name="credential_revoke"
    ),
    path("unknown-actors/", pages.unknown_actors, name="unknown_actors"),
    path("unknown-actors/<int:unknown_id>/map/", pages.unknown_actor_map, name="unknown_actor_map"),
]
