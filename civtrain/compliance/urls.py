"""Pages of the compliance app."""

from django.urls import path

from civtrain.compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.people_page, name="people"),
    path("export/", views.people_export, name="export"),
    path("units/", views.units_page, name="units"),
    path("units/export/", views.units_export, name="units_export"),
    path("me/", views.my_progress_page, name="me"),
    path("ruleset.schema.json", views.schema_json, name="schema"),
]
