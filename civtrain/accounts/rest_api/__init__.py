"""`/me`: who the caller is and which roles and subtrees it acts with."""

from civtrain.accounts.rest_api.endpoints import router

__all__ = ["router"]
