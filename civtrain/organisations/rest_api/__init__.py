"""Organisation-tree endpoints (CQ-O2): list, detail, children, create, update, move."""

from civtrain.organisations.rest_api.endpoints import router

__all__ = ["router"]
