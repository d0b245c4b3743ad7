"""Public interface of the xAPI learning record store (issue #13): credentials for the
command line and other apps; the LRS itself is reached over HTTP at /xapi/."""

from civtrain.core.actors import Actor
from civtrain.xapi import selectors, services
from civtrain.xapi.data import CredentialData, IssuedCredential
from civtrain.xapi.models import Credential

__all__ = [
    "credential_create",
    "credential_list_all",
    "credential_revoke_by_key",
    "credential_rotate_by_key",
]

credential_create = services.credential_create


def credential_list_all() -> list[CredentialData]:
    """Every credential, for the operator's command line (never a secret)."""
    return [selectors.to_data(c) for c in Credential.objects.order_by("created_at")]


def _id_of(key: str) -> int:
    return Credential.objects.filter(key=key).values_list("pk", flat=True).first() or 0


def credential_rotate_by_key(*, actor: Actor, key: str) -> IssuedCredential:
    return services.credential_rotate(actor=actor, credential_id=_id_of(key))


def credential_revoke_by_key(*, actor: Actor, key: str) -> CredentialData:
    return services.credential_revoke(actor=actor, credential_id=_id_of(key))
