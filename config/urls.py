from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("civtrain.organisations.urls")),
    path("people/", include("civtrain.people.urls")),
    path("", include("civtrain.web.urls")),
]
