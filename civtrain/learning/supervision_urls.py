from django.urls import path

from civtrain.learning import supervision_views

app_name = "supervision"

urlpatterns = [
    path("", supervision_views.notice_page, name="notice"),
    path("export", supervision_views.notice_export, name="export"),
    path("remind", supervision_views.notice_remind, name="remind"),
]
