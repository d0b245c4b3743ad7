from django.urls import path

from civtrain.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.my_courses, name="mine"),
    path("rules/", views.rules, name="rules"),
    path("plans/", views.plans, name="plans"),
    path("courses/<int:course_id>/", views.course_page, name="course"),
    path("items/<int:item_id>/play/", views.play, name="play"),
    path("items/<int:item_id>/file", views.item_file, name="file"),
    path("items/<int:item_id>/poster", views.item_poster, name="poster"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:course_id>/edit/", views.course_edit, name="course_edit"),
    path("review/", views.review_queue, name="review"),
    path("manage/<int:course_id>/uploads", views.upload_begin, name="upload_begin"),
    path("manage/<int:course_id>/documents", views.document_upload, name="document_upload"),
    path("uploads/<str:token>", views.upload_chunk, name="upload_chunk"),
    path(
        "manage/<int:course_id>/uploads/<str:token>/finish",
        views.upload_finish,
        name="upload_finish",
    ),
]
