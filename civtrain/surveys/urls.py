from django.urls import path

from civtrain.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("answer/<int:invitation_id>/", views.answer, name="answer"),
    path("<int:survey_id>/", views.detail, name="detail"),
    path("<int:survey_id>/questions/", views.question_add, name="question_add"),
    path(
        "<int:survey_id>/questions/<int:question_id>/remove/",
        views.question_remove,
        name="question_remove",
    ),
    path("<int:survey_id>/open/", views.open_, name="open"),
    path("<int:survey_id>/close/", views.close, name="close"),
    path("<int:survey_id>/remind/", views.remind, name="remind"),
    path("<int:survey_id>/template/", views.template_save, name="template_save"),
    path("<int:survey_id>/results/", views.results, name="results"),
]
