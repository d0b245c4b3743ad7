from django.urls import path

from civtrain.organisations import views

app_name = "organisations"

urlpatterns: list = [
    path("", views.tree, name="tree"),
    path("pick/", views.pick, name="pick"),
    path("<int:node_id>/", views.detail, name="detail"),
    path("<int:node_id>/children/", views.children, name="children"),
    path("<int:node_id>/create/", views.create_child, name="create"),
    path("<int:node_id>/edit/", views.edit, name="edit"),
    path("<int:node_id>/move/", views.move, name="move"),
]
