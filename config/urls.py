from django.urls import include, path

from civtrain.compliance.api import hours_per_day_for
from civtrain.credits import urls as credits_urls
from config.api import api

# The composition root: the ledger's pages get the rule sets' 学时-per-day passed in (they
# may not import compliance; issue #10 item 6, #9 item 2).
credits_pages = credits_urls.patterns(hours_per_day=hours_per_day_for)

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("civtrain.accounts.urls")),
    path("orgs/", include("civtrain.organisations.urls")),
    path("people/", include("civtrain.people.urls")),
    path("credits/", include((credits_pages, credits_urls.app_name))),
    path("catalogue/", include("civtrain.catalogue.urls")),
    path("institutions/", include("civtrain.institutions.urls")),
    path("teachers/", include("civtrain.faculty.urls")),
    path("classes/", include("civtrain.classes.urls")),
    path("enrolment/", include("civtrain.enrolment.urls")),
    path("compliance/", include("civtrain.compliance.urls")),
    path("inbox/", include("civtrain.inbox.urls")),
    path("exams/", include("civtrain.exams.urls")),
    path("scorm/", include("civtrain.scorm.urls")),
    path("xapi/", include("civtrain.xapi.urls")),
    path("evaluation/", include("civtrain.evaluation.urls")),
    path("plans/", include("civtrain.plans.urls")),
    path("surveys/", include("civtrain.surveys.urls")),
    path("materials/", include("civtrain.materials.urls")),
    path("", include("civtrain.documents.urls")),  # /documents/… and the public /verify/…
    path("learning/supervision/", include("civtrain.learning.supervision_urls")),
    path("learning/", include("civtrain.learning.urls")),
    path("", include("civtrain.web.urls")),
]

# Friendly Chinese error pages inside the site layout (civtrain.web).
handler400 = "civtrain.web.views.error_400"
handler403 = "civtrain.web.views.error_403"
handler404 = "civtrain.web.views.error_404"
handler500 = "civtrain.web.views.error_500"
