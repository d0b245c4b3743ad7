from django.urls import path

from civtrain.materials import views

app_name = "materials"

urlpatterns = [
    path("", views.library, name="library"),
    path("mine/", views.mine, name="mine"),
    path("<int:material_id>/", views.detail, name="detail"),
    path("<int:material_id>/edit/", views.edit, name="edit"),
    path("<int:material_id>/versions/", views.version_add, name="version_add"),
    path(
        "<int:material_id>/versions/<int:number>/current/",
        views.version_current,
        name="version_current",
    ),
    path(
        "<int:material_id>/versions/<int:number>/download",
        views.download,
        name="version_download",
    ),
    path("<int:material_id>/download", views.download, name="download"),
    path("<int:material_id>/classes/", views.attach_class, name="attach_class"),
    path(
        "<int:material_id>/classes/<int:class_id>/detach/",
        views.detach_class,
        name="detach_class",
    ),
    path("<int:material_id>/courses/", views.attach_course, name="attach_course"),
    path(
        "<int:material_id>/courses/<int:course_id>/detach/",
        views.detach_course,
        name="detach_course",
    ),
]
