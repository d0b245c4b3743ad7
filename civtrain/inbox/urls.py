from django.urls import path

from civtrain.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="list"),
    path("<int:message_id>/open/", views.open_message, name="open"),
    path("read-all/", views.read_all, name="read_all"),
]
