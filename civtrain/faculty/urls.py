from django.urls import path

from civtrain.faculty import views

app_name = "faculty"

urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("pick/", views.teacher_pick, name="pick"),
    path("import/", views.teacher_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:teacher_id>/", views.detail, name="detail"),
]
