from django.urls import path

from civtrain.exams import views

app_name = "exams"

urlpatterns = [
    path("", views.index, name="index"),
    path("banks/<int:bank_id>/", views.bank_detail, name="bank"),
    path("banks/<int:bank_id>/export", views.bank_export, name="bank_export"),
    path("papers/new/", views.paper_new, name="paper_new"),
    path("papers/<int:paper_id>/", views.paper_detail, name="paper"),
    path("papers/<int:paper_id>/grading/", views.grading, name="grading"),
    path("papers/<int:paper_id>/analysis/", views.item_analysis, name="analysis"),
    path("attempts/<int:attempt_id>/", views.attempt_review, name="attempt"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("take/<int:paper_id>/", views.take, name="take"),
    path("take/attempts/<int:attempt_id>/submit", views.take_submit, name="take_submit"),
]
