from django.urls import path

from civtrain.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("open/", views.plan_open, name="open"),
    path("overdue/", views.overdue, name="overdue"),
    path("self-checks/", views.selfcheck_list, name="selfchecks"),
    path("self-checks/overdue/", views.selfcheck_overdue, name="selfcheck_overdue"),
    path("self-checks/<int:check_id>/", views.selfcheck, name="selfcheck"),
    path("self-checks/<int:check_id>/export.txt", views.selfcheck_export, name="selfcheck_export"),
    path("<int:plan_id>/", views.detail, name="detail"),
    path("<int:plan_id>/classes/", views.class_add, name="class_add"),
    path("<int:plan_id>/classes/<int:planned_id>/remove/", views.class_remove, name="class_remove"),
    path("<int:plan_id>/classes/<int:planned_id>/link/", views.class_link, name="class_link"),
    path("<int:plan_id>/survey/", views.survey_attach, name="survey_attach"),
    path("<int:plan_id>/submit/", views.submit, name="submit"),
    path("<int:plan_id>/return/", views.return_, name="return"),
    path("<int:plan_id>/file/", views.file, name="file"),
]
