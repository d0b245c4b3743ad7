"""Reads of the LRS: credentials (verified from a short in-process cache), statements with
the Statements resource's filters and paging, documents, and actors waiting to be mapped."""

import base64
import binascii
import datetime as dt
import hmac
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from civtrain.accounts import api as accounts_api
from civtrain.accounts.api import actor_scope
from civtrain.accounts.data import Role
from civtrain.core import crypto
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.people import api as people_api
from civtrain.xapi.data import (
    DEFAULT_ACCOUNT_HOMEPAGE,
    CredentialData,
    DocumentData,
    XapiError,
    agent_key,
    bad_request,
    mbox_sha1sum,
)
from civtrain.xapi.models import (
    Activity,
    ActorMapping,
    Attachment,
    Credential,
    Document,
    Statement,
    StatementLink,
    UnknownActor,
)

# Verified credentials and matched actors are cached per process this long (ADR 0018).
CACHE_SECONDS = 30.0
MAX_LIMIT = 500
MANAGING_ROLES = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)

_lock = threading.Lock()
_credentials: dict[tuple[str, str], tuple[float, CredentialData]] = {}
_actors: dict[str, tuple[float, "MatchedPerson | None"]] = {}
_sha1_users: tuple[float, dict[str, int]] = (0.0, {})


CREDENTIAL_CONTEXT = b"xapi.credential"


def secret_hash(secret: str) -> str:
    return crypto.lookup_hash(secret, context=CREDENTIAL_CONTEXT)


def to_data(c: Credential) -> CredentialData:
    return CredentialData(
        id=c.pk,
        name=c.name,
        key=c.key,
        org_id=c.org_id,
        org_path=c.org_path,
        created_at=c.created_at,
        rotated_at=c.rotated_at,
        revoked_at=c.revoked_at,
    )


def cache_clear() -> None:
    """Forget cached credentials and actors (this process; others within CACHE_SECONDS)."""
    global _sha1_users
    with _lock:
        _credentials.clear()
        _actors.clear()
        _sha1_users = (0.0, {})


def credential_verify(key: str, secret: str) -> CredentialData | None:
    """The live credential whose key and secret these are, or None. The keyed hash is cheap;
    the database is asked at most once per CACHE_SECONDS for a given pair."""
    digest = secret_hash(secret)
    now = time.monotonic()
    hit = _credentials.get((key, digest))
    if hit and hit[0] > now:
        return hit[1]
    row = Credential.objects.filter(key=key, revoked_at__isnull=True).first()
    # A credential issued before a switch of suite or hash key keeps its old hash (the secret
    # is not kept, so crypto-migrate cannot redo it): any hash still read matches.
    if row is None or not any(
        crypto_equal(row.secret_hash, h)
        for h in crypto.lookup_hashes(secret, context=CREDENTIAL_CONTEXT)
    ):
        return None
    data = to_data(row)
    with _lock:
        _credentials[(key, digest)] = (now + CACHE_SECONDS, data)
    return data


def crypto_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- who may manage credentials, scoped by the org subtree (#13 item 2) -------------------


def managed_paths(actor: Actor) -> list[str]:
    return list(actor_scope(actor).paths_for(*MANAGING_ROLES))


def _under(paths: Iterable[str], field: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def credential_list(*, actor: Actor) -> list[CredentialData]:
    paths = managed_paths(actor)
    rows = Credential.objects.filter(_under(paths, "org_path")).order_by("-created_at")
    return [to_data(c) for c in rows]


def access_credential_by_id(actor: Actor, credential_id: int) -> Credential:
    row = Credential.objects.filter(
        _under(managed_paths(actor), "org_path"), pk=credential_id
    ).first()
    if row is None:
        raise NotFound()
    return row


# --- actors and the civil servants they are (#13 item 3) ------------------------------------


@dataclass(frozen=True)
class MatchedPerson:
    person_id: int
    unit_path: str


def _user_by_sha1(digest: str) -> int | None:
    global _sha1_users
    expires, table = _sha1_users
    if expires < time.monotonic():
        table = {mbox_sha1sum(email.lower()): uid for uid, email in accounts_api.user_email_rows()}
        with _lock:
            _sha1_users = (time.monotonic() + CACHE_SECONDS, table)
    return table.get(digest.lower())


def _user_for(agent: dict[str, Any]) -> int | None:
    homepage = getattr(settings, "CIVTRAIN_XAPI_ACCOUNT_HOMEPAGE", DEFAULT_ACCOUNT_HOMEPAGE)
    account = agent.get("account")
    if isinstance(account, dict) and account.get("homePage", "").rstrip("/") == homepage.rstrip(
        "/"
    ):
        return accounts_api.user_id_by_username(str(account.get("name", "")))
    mbox = agent.get("mbox")
    if isinstance(mbox, str) and mbox.lower().startswith("mailto:"):
        return accounts_api.user_id_by_email(mbox[len("mailto:") :])
    if isinstance(agent.get("mbox_sha1sum"), str):
        return _user_by_sha1(agent["mbox_sha1sum"])
    return None


def _person(person_id: int) -> MatchedPerson | None:
    try:
        person = people_api.person_data(person_id)
    except ObjectDoesNotExist:
        return None
    return MatchedPerson(person.id, person.unit_path)


def actor_person(agent: dict[str, Any]) -> MatchedPerson | None:
    """The civil servant an actor is: mapped by hand, else matched by login or address."""
    key = agent_key(agent)
    if not key:
        return None
    now = time.monotonic()
    hit = _actors.get(key)
    if hit and hit[0] > now:
        return hit[1]
    mapped = ActorMapping.objects.filter(actor_key=key).values_list("person_id", flat=True).first()
    matched: MatchedPerson | None = None
    if mapped is not None:
        matched = _person(mapped)
    else:
        user_id = _user_for(agent)
        person = people_api.person_for_user(user_id) if user_id else None
        matched = MatchedPerson(person.id, person.unit_path) if person else None
    with _lock:
        _actors[key] = (now + CACHE_SECONDS, matched)
    return matched


@dataclass(frozen=True)
class UnknownActorRow:
    id: int
    actor_key: str
    actor: dict[str, Any]
    credential_name: str
    first_seen: dt.datetime
    statements: int


def unknown_actor_list(*, actor: Actor, limit: int = 100) -> list[UnknownActorRow]:
    rows = (
        UnknownActor.objects.filter(_under(managed_paths(actor), "org_path"), mapped=False)
        .select_related("credential")
        .order_by("-first_seen")[:limit]
    )
    return [
        UnknownActorRow(
            id=u.pk,
            actor_key=u.actor_key,
            actor=json.loads(u.actor),
            credential_name=u.credential.name,
            first_seen=u.first_seen,
            statements=Statement.objects.filter(actor_key=u.actor_key).count(),
        )
        for u in rows
    ]


def access_unknown_actor_by_id(actor: Actor, unknown_id: int) -> UnknownActor:
    row = UnknownActor.objects.filter(
        _under(managed_paths(actor), "org_path"), pk=unknown_id, mapped=False
    ).first()
    if row is None:
        raise NotFound()
    return row


@dataclass(frozen=True)
class StatementRow:
    statement_id: str
    stored: dt.datetime
    actor: str
    person_id: int | None
    verb: str
    activity: str
    duration: str
    voided: bool


def statement_rows(*, actor: Actor, limit: int = 50) -> list[StatementRow]:
    """The latest statements of the credentials in the actor's subtrees (the LRS page)."""
    credentials = Credential.objects.filter(_under(managed_paths(actor), "org_path"))
    rows = Statement.objects.filter(credential__in=credentials).order_by("-stored", "-id")[:limit]
    out = []
    for s in rows:
        payload = json.loads(s.payload)
        out.append(
            StatementRow(
                statement_id=str(s.statement_id),
                stored=s.stored,
                actor=s.actor_key,
                person_id=s.person_id,
                verb=s.verb,
                activity=s.activity,
                duration=str(payload.get("result", {}).get("duration", "")),
                voided=s.voided,
            )
        )
    return out


# --- the Statements resource ---------------------------------------------------------------


@dataclass(frozen=True)
class StatementQuery:
    """The Statements resource's filters (Data 2.5 / 4.1.6.1), parsed."""

    agent: str = ""
    verb: str = ""
    activity: str = ""
    registration: str = ""
    related_activities: bool = False
    related_agents: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 0
    ascending: bool = False
    after: tuple[dt.datetime, int] | None = None  # the paging cursor


def _link(kind: str, key: str, related: bool) -> QuerySet[StatementLink]:
    links = StatementLink.objects.filter(kind=kind, key=key)
    return links if related else links.filter(direct=True)


def statement_page(credential: CredentialData, query: StatementQuery) -> tuple[list[str], Any]:
    """One page of statement payloads (JSON text) and the cursor of the next page (or None)."""
    qs = Statement.objects.filter(credential_id=credential.id, voided=False)
    for kind, key, related in (
        ("agent", query.agent, query.related_agents),
        ("verb", query.verb, False),
        ("activity", query.activity, query.related_activities),
        ("registration", query.registration, False),
    ):
        if key:
            qs = qs.filter(pk__in=_link(kind, key, related).values("statement_id"))
    if query.since:
        qs = qs.filter(stored__gt=query.since)
    if query.until:
        qs = qs.filter(stored__lte=query.until)
    if query.after:
        stored, pk = query.after
        if query.ascending:
            qs = qs.filter(Q(stored__gt=stored) | Q(stored=stored, pk__gt=pk))
        else:
            qs = qs.filter(Q(stored__lt=stored) | Q(stored=stored, pk__lt=pk))
    order = ("stored", "pk") if query.ascending else ("-stored", "-pk")
    limit = min(query.limit or MAX_LIMIT, MAX_LIMIT)
    rows = list(qs.order_by(*order).values_list("payload", "stored", "pk")[: limit + 1])
    cursor = (rows[limit - 1][1], rows[limit - 1][2]) if len(rows) > limit else None
    return [r[0] for r in rows[:limit]], cursor


def statement_one(
    credential: CredentialData, statement_id: str, *, voided: bool
) -> tuple[str, dt.datetime]:
    """A statement by id (`voidedStatementId` asks for a voided one): payload and stored."""
    row = (
        Statement.objects.filter(
            credential_id=credential.id, statement_id=statement_id, voided=voided
        )
        .values_list("payload", "stored")
        .first()
    )
    if row is None:
        raise XapiError(404, f"No {'voided ' if voided else ''}statement with id {statement_id}.")
    return row[0], row[1]


def attachments_for(payloads: Iterable[dict[str, Any]]) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, content) of the attachments the statements carry, each once."""
    wanted: list[str] = []
    for statement in payloads:
        for attachment in statement.get("attachments", []):
            if "sha2" in attachment and attachment["sha2"] not in wanted:
                wanted.append(attachment["sha2"])
    rows = {a.sha2: a for a in Attachment.objects.filter(sha2__in=wanted)}
    return [(s, rows[s].content_type, bytes(rows[s].content)) for s in wanted if s in rows]


def statements_existing(ids: list[str]) -> dict[str, str]:
    return {
        str(sid): payload
        for sid, payload in Statement.objects.filter(statement_id__in=ids).values_list(
            "statement_id", "payload"
        )
    }


# --- documents, activities, agents ----------------------------------------------------------


@dataclass(frozen=True)
class DocumentKey:
    kind: str
    activity: str = ""
    agent_key: str = ""
    registration: str = ""


def _documents(credential: CredentialData, key: DocumentKey) -> QuerySet[Document]:
    return Document.objects.filter(
        credential_id=credential.id,
        kind=key.kind,
        activity=key.activity,
        agent_key=key.agent_key,
        registration=key.registration,
    )


def document_get(
    credential: CredentialData, key: DocumentKey, document_id: str
) -> DocumentData | None:
    row = _documents(credential, key).filter(document_id=document_id).first()
    if row is None:
        return None
    return DocumentData(bytes(row.content), row.content_type, row.etag, row.updated)


def document_ids(
    credential: CredentialData, key: DocumentKey, since: dt.datetime | None
) -> list[str]:
    qs = _documents(credential, key)
    if since:
        qs = qs.filter(updated__gt=since)
    return list(qs.order_by("document_id").values_list("document_id", flat=True))


def activity_definition(iri: str) -> dict[str, Any] | None:
    row = Activity.objects.filter(iri=iri).values_list("definition", flat=True).first()
    return json.loads(row) if row else None


def more_token(params: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(params).encode()).decode().rstrip("=")


def more_params(token: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise bad_request("The 'more' parameter is not one this LRS gave out.") from exc
    if not isinstance(value, dict):
        raise bad_request("The 'more' parameter is not one this LRS gave out.")
    return value


def stored_range(credential_key: str, since: dt.datetime | None, until: dt.datetime | None) -> Q:
    q = Q()
    if credential_key:
        q &= Q(credential__key=credential_key)
    if since:
        q &= Q(stored__gt=since)
    if until:
        q &= Q(stored__lte=until)
    return q


def statements_export(
    *, credential_key: str = "", since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Iterable[str]:
    """Stored statements (JSON text) oldest first, streamed in chunks (the NDJSON export)."""
    qs = Statement.objects.filter(stored_range(credential_key, since, until))
    return qs.order_by("stored", "pk").values_list("payload", flat=True).iterator(chunk_size=2000)
