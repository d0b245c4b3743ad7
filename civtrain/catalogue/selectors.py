"""Reads of the catalogue; the taxonomy is public to every signed-in user."""

from django.db.models import QuerySet

from civtrain.catalogue.models import Subject


def subject_list(*, include_inactive: bool = False) -> QuerySet[Subject]:
    qs = Subject.objects.all()
    return qs if include_inactive else qs.filter(active=True)
