from django.urls import path

from civtrain.institutions import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("apply/", views.recognition_apply, name="apply"),
    path("<int:institution_id>/", views.detail, name="detail"),
    path(
        "applications/<int:application_id>/decide/",
        views.recognition_decide,
        name="decide",
    ),
]
