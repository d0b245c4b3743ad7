"""Ledger endpoints at /api/v1/credits: entries per person, single and bulk writes,
reversals, external study claims."""

from civtrain.credits.rest_api.endpoints import reading_router, router

__all__ = ["reading_router", "router"]
