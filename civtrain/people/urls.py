from django.urls import path

from civtrain.people import views

app_name = "people"

urlpatterns: list = [
    path("", views.person_list_page, name="list"),
    path("new/", views.person_create_page, name="create"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/edit/", views.person_edit_page, name="edit"),
    path("<int:person_id>/reveal-id/", views.person_reveal, name="reveal_id"),
    path("<int:person_id>/events/", views.career_event_page, name="event"),
]
