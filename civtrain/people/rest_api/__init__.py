"""Civil-servant registry endpoints: people, career events, the audited ID reveal."""

from civtrain.people.rest_api.endpoints import router

__all__ = ["router"]
