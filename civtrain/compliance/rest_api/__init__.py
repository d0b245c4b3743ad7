"""Compliance endpoints: outcomes per person, per unit, snapshots, rule sets, the schema."""

from civtrain.compliance.rest_api.endpoints import router

__all__ = ["router"]
