from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("civtrain.accounts.urls")),
    path("orgs/", include("civtrain.organisations.urls")),
    path("people/", include("civtrain.people.urls")),
    path("credits/", include("civtrain.credits.urls")),
    path("catalogue/", include("civtrain.catalogue.urls")),
    path("institutions/", include("civtrain.institutions.urls")),
    path("teachers/", include("civtrain.faculty.urls")),
    path("classes/", include("civtrain.classes.urls")),
    path("enrolment/", include("civtrain.enrolment.urls")),
    path("compliance/", include("civtrain.compliance.urls")),
    path("", include("civtrain.web.urls")),
]

# Friendly Chinese error pages inside the site layout (civtrain.web).
handler400 = "civtrain.web.views.error_400"
handler403 = "civtrain.web.views.error_403"
handler404 = "civtrain.web.views.error_404"
handler500 = "civtrain.web.views.error_500"
