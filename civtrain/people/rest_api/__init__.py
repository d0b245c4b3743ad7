"""Civil-servant registry endpoints."""

from ninja import Router

router = Router(tags=["people"])
