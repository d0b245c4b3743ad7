"""/xapi/: the LRS resources (no trailing slashes: the specification's paths) and its pages."""

from django.urls import path

from civtrain.xapi.views import lrs

app_name = "xapi"

urlpatterns = [
    path("statements", lrs.statements, name="statements"),
    path("activities/state", lrs.state, name="state"),
    path("activities/profile", lrs.activity_profile, name="activity_profile"),
    path("activities", lrs.activities, name="activities"),
    path("agents/profile", lrs.agent_profile, name="agent_profile"),
    path("agents", lrs.agents, name="agents"),
    path("about", lrs.about, name="about"),
]
