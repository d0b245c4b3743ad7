from django.urls import path

from civtrain.people import import_views, views

app_name = "people"

urlpatterns: list = [
    path("", views.person_list_page, name="list"),
    path("new/", views.person_create_page, name="create"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/edit/", views.person_edit_page, name="edit"),
    path("<int:person_id>/reveal-id/", views.person_reveal, name="reveal_id"),
    path("<int:person_id>/events/", views.career_event_page, name="event"),
    path("<int:person_id>/password/", views.person_password_issue, name="password_issue"),
    path("passwords/", views.people_password_issue, name="passwords_issue"),
    path("import/", import_views.roster_import_page, name="import"),
    path("import/template.xlsx", import_views.roster_template_download, name="import_template"),
    path("import/<int:job_id>/", import_views.roster_import_job, name="import_job"),
    path(
        "import/<int:job_id>/progress/",
        import_views.roster_import_progress,
        name="import_progress",
    ),
    path("import/<int:job_id>/errors/", import_views.roster_import_errors, name="import_errors"),
    path("export/", views.person_export, name="export"),
]
