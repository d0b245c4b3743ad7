from django.urls import URLPattern, path

from civtrain.credits import views
from civtrain.credits.selectors import HoursPerDay

app_name = "credits"


def patterns(*, hours_per_day: HoursPerDay | None = None) -> list[URLPattern]:
    """The ledger's pages. `hours_per_day` (the rule sets' 学时-per-day, PR-2) lets the
    training record show what a days-only or hours-only entry comes to; the composition root
    (config/urls.py) passes compliance's, since the ledger may not import compliance."""
    record = {"hours_per_day": hours_per_day}
    return [
        path("record/", views.my_record_page, record, name="my_record"),
        path("record/<int:person_id>/", views.record_page, record, name="record"),
        path("entries/<int:entry_id>/reverse/", views.reverse_page, name="reverse"),
        path("claims/", views.claims_page, name="claims"),
        path("claims/new/", views.claim_new_page, name="claim_new"),
        path("claims/<int:claim_id>/decide/", views.claim_decide_page, name="claim_decide"),
        path("claims/<int:claim_id>/evidence", views.claim_evidence, name="claim_evidence"),
        path("status/", views.ledger_status_page, name="status"),
    ]


urlpatterns = patterns()  # without conversions (a site that does not run compliance)
