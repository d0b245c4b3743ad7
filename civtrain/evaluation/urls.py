from django.urls import path

from civtrain.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("scores/", views.scores, name="scores"),
    path("alerts/", views.alerts, name="alerts"),
    path("templates/", views.templates, name="templates"),
    path("<int:evaluation_id>/", views.detail, name="detail"),
    path("<int:evaluation_id>/answer/", views.answer, name="answer"),
    path("<int:evaluation_id>/close/", views.close, name="close"),
    path("<int:evaluation_id>/assign/", views.assign, name="assign"),
    path("<int:evaluation_id>/report/", views.report, name="report"),
    path(
        "<int:evaluation_id>/report/<int:author_id>/print/",
        views.report_print,
        name="report_print",
    ),
    path(
        "<int:evaluation_id>/report/<int:author_id>/pdf/",
        views.report_pdf,
        name="report_pdf",
    ),
]
