from django.urls import path

from civtrain.faculty import views

app_name = "faculty"

urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("pick/", views.teacher_pick, name="pick"),
]
