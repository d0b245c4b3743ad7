from django.urls import path

from civtrain.catalogue import views

app_name = "catalogue"

urlpatterns = [path("subjects/", views.subjects, name="subjects")]
