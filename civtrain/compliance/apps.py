"""Rule sets as data, the compliance engine and its assessment consequences (issue 4)."""

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "civtrain.compliance"
    verbose_name = "Compliance"
