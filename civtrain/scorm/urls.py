from django.urls import path

from civtrain.scorm import views

app_name = "scorm"

urlpatterns = [
    path("new/", views.upload, name="upload"),
    path("items/<int:item_id>/", views.player, name="player"),
    path("attempts/<int:attempt_id>/commit", views.commit, name="commit"),
    path("attempts/<int:attempt_id>/keepalive", views.keepalive, name="keepalive"),
    path("content/<int:package_id>/<path:path>", views.content, name="content"),
]
