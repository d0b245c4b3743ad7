from django.urls import path

from civtrain.classes import views

app_name = "classes"

urlpatterns = [
    path("", views.class_list, name="list"),
    path("new/", views.class_create, name="create"),
    path("teaching/", views.teaching, name="teaching"),
    path("teaching/calendar.ics", views.teaching_ics, name="teaching_ics"),
    path("<int:class_id>/", views.class_detail, name="detail"),
    path("<int:class_id>/edit/", views.class_edit, name="edit"),
    path("<int:class_id>/transition/", views.class_transition, name="transition"),
    path("<int:class_id>/sessions/add/", views.session_add, name="session_add"),
]
