from django.urls import path

from civtrain.credits import views

app_name = "credits"

urlpatterns = [
    path("record/", views.my_record_page, name="my_record"),
    path("record/<int:person_id>/", views.record_page, name="record"),
    path("entries/<int:entry_id>/reverse/", views.reverse_page, name="reverse"),
    path("claims/", views.claims_page, name="claims"),
    path("claims/new/", views.claim_new_page, name="claim_new"),
    path("claims/<int:claim_id>/decide/", views.claim_decide_page, name="claim_decide"),
    path("claims/<int:claim_id>/evidence", views.claim_evidence, name="claim_evidence"),
    path("status/", views.ledger_status_page, name="status"),
]
