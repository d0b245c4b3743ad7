"""Writes of the LRS: credentials, statements (validated, scoped, stored immutable, voiding,
course completion), documents with their concurrency rules, and actor mapping."""

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from civtrain.accounts.api import SYSTEM
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from civtrain.learning import api as learning_api
from civtrain.organisations import api as org_api
from civtrain.people import api as people_api
from civtrain.xapi import selectors
from civtrain.xapi.data import (
    COMPLETING_VERBS,
    CredentialData,
    IssuedCredential,
    XapiError,
    agent_key,
    bad_request,
    dumps,
    iso,
    merged_definition,
    normalised_for_comparison,
    statement_links,
    with_context_arrays,
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
from civtrain.xapi.selectors import DocumentKey, MatchedPerson
from civtrain.xapi.validation import VOIDED_VERB, StatementInvalid, validate_statement

# --- credentials (#13 item 2) ---------------------------------------------------------------


def _audit(
    actor: Actor, action: str, row: Any, org_path: str, changes: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=type(row).__name__,
        object_id=row.pk,
        object_label=str(row),
        org_path=org_path,
        changes=changes or {},
    )


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)  # 256 bits: a keyed hash suffices (ADR 0018)
    return secret, selectors.secret_hash(secret)


def _check_manages(actor: Actor, org_path: str) -> None:
    if not any(org_path.startswith(p) for p in selectors.managed_paths(actor)):
        raise PermissionDenied("只有市、区县公务员主管部门可以管理其辖区内的 xAPI 凭据")


@transaction.atomic
def credential_create(*, actor: Actor, name: str, org_code: str) -> IssuedCredential:
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写凭据名称", {"fields": [{"field": "name", "message": "必填"}]})
    org = org_api.org_by_codes([org_code]).get(org_code)
    if org is None:
        raise ValidationFailed(f"机构编码 {org_code} 不存在")
    _check_manages(actor, org.path)
    secret, digest = _new_secret()
    row = Credential(
        name=name,
        key=secrets.token_hex(10),
        secret_hash=digest,
        org_id=org.id,
        org_path=org.path,
        created_by_id=getattr(actor, "pk", None),
    )
    row.full_clean()
    row.save()
    _audit(actor, "xapi.credential.create", row, org.path, {"name": name, "key": row.key})
    return IssuedCredential(selectors.to_data(row), secret)


@transaction.atomic
def credential_rotate(*, actor: Actor, credential_id: int) -> IssuedCredential:
    """A new secret for the same key: the provider's statements stay readable to it."""
    row = selectors.access_credential_by_id(actor, credential_id)
    _check_manages(actor, row.org_path)
    if row.revoked_at:
        raise ValidationFailed("已吊销的凭据不能轮换")
    secret, row.secret_hash = _new_secret()
    row.rotated_at = clock.now()
    row.save(update_fields=["secret_hash", "rotated_at"])
    _audit(actor, "xapi.credential.rotate", row, row.org_path)
    _forget_cached()
    return IssuedCredential(selectors.to_data(row), secret)


@transaction.atomic
def credential_revoke(*, actor: Actor, credential_id: int) -> CredentialData:
    row = selectors.access_credential_by_id(actor, credential_id)
    _check_manages(actor, row.org_path)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        row.save(update_fields=["revoked_at"])
        _audit(actor, "xapi.credential.revoke", row, row.org_path)
    _forget_cached()
    return selectors.to_data(row)


def _forget_cached() -> None:
    """This process forgets cached credentials and actors now and again after commit (a
    request in between could cache the old row); other processes within CACHE_SECONDS."""
    selectors.cache_clear()
    transaction.on_commit(selectors.cache_clear)


# --- statements -----------------------------------------------------------------------------


@dataclass
class _Batch:
    """Statements of one request on their way into the store."""

    credential: CredentialData
    stored: Any
    rows: list[Statement] = field(default_factory=list)
    links: list[tuple[int, str, str, bool]] = field(default_factory=list)
    voids: list[str] = field(default_factory=list)
    refs: dict[int, str] = field(default_factory=dict)  # row index → StatementRef target
    unknown: dict[str, dict[str, Any]] = field(default_factory=dict)
    completions: list[tuple[int, str]] = field(default_factory=list)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)


def _complete_course(person_id: int, activity: str) -> None:
    """A `completed`/`passed` statement about a bound activity completes its online course
    through the one completion path (#13 item 3, learning ADR 0016): one ledger entry per
    learner, course and year however often the statement is re-sent, hours from the course —
    never from the statement. A course the learner may not study (closed, not for them) or
    whose own items are not done is not completed; the statement is kept either way."""
    course = learning_api.course_by_activity_iri(activity)
    if course is None:
        return
    try:
        with transaction.atomic():
            learning_api.course_open_for(person_id, course.id)
            learning_api.course_complete(
                actor=SYSTEM, person_id=person_id, course_id=course.id, source="xapi"
            )
    except ApplicationError:
        return


def _prepare(statement: dict[str, Any], batch: _Batch, version: str) -> dict[str, Any]:
    statement = with_context_arrays(statement)
    statement.setdefault("id", str(uuid.uuid4()))
    statement["id"] = statement["id"].lower()
    stored = iso(batch.stored)
    statement["stored"] = stored
    statement.setdefault("timestamp", stored)
    statement["authority"] = batch.credential.authority
    statement.setdefault("version", "2.0.0" if version.startswith("2.") else "1.0.0")
    return statement


def _scope(statement: dict[str, Any], batch: _Batch) -> MatchedPerson | None:
    """The learner the statement is about, if one matches; refused outside the credential's
    subtree (a provider writes only about its own learners, #13 item 3)."""
    actor = statement["actor"]
    matched = selectors.actor_person(actor)
    if matched is None:
        key = agent_key(actor)
        if key:
            batch.unknown.setdefault(key, actor)
        return None
    if not matched.unit_path.startswith(batch.credential.org_path):
        raise XapiError(403, "This credential may not record statements about this learner.")
    return matched


def _add(statement: dict[str, Any], batch: _Batch, matched: MatchedPerson | None) -> None:
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    activity = obj["id"] if kind == "Activity" else ""
    if activity and "definition" in obj:
        batch.definitions[activity] = merged_definition(
            batch.definitions.get(activity, {}), obj["definition"]
        )
    voids = obj["id"].lower() if statement["verb"]["id"] == VOIDED_VERB else None
    if voids:
        batch.voids.append(voids)
    index = len(batch.rows)
    if kind == "StatementRef":
        batch.refs[index] = obj["id"].lower()
    batch.rows.append(
        Statement(
            statement_id=statement["id"],
            credential_id=batch.credential.id,
            stored=batch.stored,
            verb=statement["verb"]["id"][:512],
            actor_key=agent_key(statement["actor"])[:512],
            activity=activity[:512],
            voids=voids,
            person_id=matched.person_id if matched else None,
            payload=dumps(statement),
        )
    )
    batch.links.extend(
        (index, kind_, key[:512], direct) for kind_, key, direct in statement_links(statement)
    )
    if matched and activity and statement["verb"]["id"] in COMPLETING_VERBS:
        batch.completions.append((matched.person_id, activity))


def _check_conflicts(statements: list[dict[str, Any]]) -> set[str]:
    """Ids already stored with the same content (re-sent: nothing to do); 409 otherwise."""
    existing = selectors.statements_existing([s["id"] for s in statements])
    for statement in statements:
        stored = existing.get(statement["id"])
        if stored is not None and normalised_for_comparison(json.loads(stored)) != (
            normalised_for_comparison(statement)
        ):
            raise XapiError(
                409, f"A different statement with id {statement['id']} is already stored."
            )
    return set(existing)


def _check_voiding(batch: _Batch) -> None:
    if not batch.voids:
        return
    targets = Statement.objects.filter(statement_id__in=batch.voids)
    if targets.filter(verb=VOIDED_VERB).exists():
        raise bad_request("A voiding statement cannot itself be voided.")
    targets.filter(credential_id=batch.credential.id).update(voided=True)


def _insert(batch: _Batch) -> None:
    Statement.objects.bulk_create(batch.rows)
    if any(r.pk is None for r in batch.rows):  # SQLite before 3.35 gives no ids back
        by_id = dict(
            Statement.objects.filter(
                statement_id__in=[r.statement_id for r in batch.rows]
            ).values_list("statement_id", "pk")
        )
        for row in batch.rows:
            row.pk = by_id[uuid.UUID(str(row.statement_id))]
    links = [
        StatementLink(statement_id=batch.rows[i].pk, kind=k, key=v, direct=d)
        for i, k, v, d in batch.links
    ]
    refs = {batch.rows[i].pk: target for i, target in batch.refs.items()}
    if refs:
        # A statement about another one is found by the other's filters too (Data 2.5.3).
        targets = dict(
            Statement.objects.filter(
                credential_id=batch.credential.id, statement_id__in=set(refs.values())
            ).values_list("statement_id", "pk")
        )
        by_target: dict[int, list[int]] = {}
        for pk, target in refs.items():
            if uuid.UUID(target) in targets:
                by_target.setdefault(targets[uuid.UUID(target)], []).append(pk)
        for link in StatementLink.objects.filter(statement_id__in=by_target):
            links.extend(
                StatementLink(statement_id=pk, kind=link.kind, key=link.key, direct=link.direct)
                for pk in by_target[link.statement_id]
            )
    StatementLink.objects.bulk_create(links)


def _side_rows(batch: _Batch) -> None:
    for iri, definition in batch.definitions.items():
        row = Activity.objects.select_for_update().filter(iri=iri[:512]).first()
        if row is None:
            Activity.objects.bulk_create(
                [Activity(iri=iri[:512], definition=dumps(definition))], ignore_conflicts=True
            )
        else:
            merged = dumps(merged_definition(json.loads(row.definition), definition))
            if merged != row.definition:
                row.definition = merged
                row.save(update_fields=["definition"])
    if batch.unknown:
        UnknownActor.objects.bulk_create(
            [
                UnknownActor(
                    actor_key=key[:512],
                    actor=dumps(actor),
                    credential_id=batch.credential.id,
                    org_path=batch.credential.org_path,
                    first_seen=batch.stored,
                )
                for key, actor in batch.unknown.items()
            ],
            ignore_conflicts=True,
        )
    for person_id, activity in batch.completions:
        _complete_course(person_id, activity)


def statements_store(
    *,
    credential: CredentialData,
    statements: list[Any],
    version: str,
    attachments: dict[str, tuple[str, bytes]] | None = None,
    check_signature: Callable[[dict[str, Any], dict[str, tuple[str, bytes]]], None] | None = None,
) -> list[str]:
    """Validate and store a batch (all or nothing); the statements' ids in order."""
    attachments = attachments or {}
    try:
        for statement in statements:
            validate_statement(statement, version)
    except StatementInvalid as exc:
        raise bad_request(str(exc)) from exc
    _check_attachment_parts(statements, attachments)
    if check_signature:
        for statement in statements:
            check_signature(statement, attachments)
    batch = _Batch(credential=credential, stored=clock.now())
    prepared = [_prepare(s, batch, version) for s in statements]
    ids = [s["id"] for s in prepared]
    if len(set(ids)) != len(ids):
        raise bad_request("The batch uses the same statement id twice.")
    with transaction.atomic():
        known = _check_conflicts(prepared)
        for statement in prepared:
            if statement["id"] not in known:
                _add(statement, batch, _scope(statement, batch))
        if batch.rows:
            _insert(batch)
            _check_voiding(batch)
            _store_attachments(attachments)
            _side_rows(batch)
    return ids


def _check_attachment_parts(statements: list[Any], parts: dict[str, tuple[str, bytes]]) -> None:
    wanted = {a["sha2"] for s in statements for a in s.get("attachments", []) if "fileUrl" not in a}
    declared = {a["sha2"] for s in statements for a in s.get("attachments", [])}
    missing = wanted - set(parts)
    if missing:
        raise bad_request(
            f"No attachment part for sha2 {sorted(missing)[0]} (send it as multipart/mixed)."
        )
    extra = set(parts) - declared
    if extra:
        raise bad_request(
            f"The attachment part with sha2 {sorted(extra)[0]} is not declared by any statement."
        )


def _store_attachments(parts: dict[str, tuple[str, bytes]]) -> None:
    if parts:
        Attachment.objects.bulk_create(
            [
                Attachment(sha2=sha2, content_type=ctype, content=content)
                for sha2, (ctype, content) in parts.items()
            ],
            ignore_conflicts=True,
        )


# --- documents (State, Activity Profile, Agent Profile) --------------------------------------


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - an ETag, not a security measure


def _precondition(row: Document | None, if_match: str | None, if_none_match: str | None) -> None:
    current = row.etag if row else None
    if if_match is not None:
        tags = {t.strip().strip('"') for t in if_match.split(",")}
        if current is None or ("*" not in tags and current not in tags):
            raise XapiError(412, "If-Match does not match the document's current ETag.")
    if if_none_match is not None:
        tags = {t.strip().strip('"') for t in if_none_match.split(",")}
        if current is not None and ("*" in tags or current in tags):
            raise XapiError(412, "If-None-Match: the document already exists.")


@dataclass(frozen=True)
class DocumentWrite:
    credential: CredentialData
    key: DocumentKey
    document_id: str
    content: bytes
    content_type: str
    if_match: str | None = None
    if_none_match: str | None = None
    concurrency_required: bool = False


def _locked(write: DocumentWrite) -> Document | None:
    return (
        Document.objects.select_for_update()
        .filter(
            credential_id=write.credential.id,
            kind=write.key.kind,
            activity=write.key.activity,
            agent_key=write.key.agent_key,
            registration=write.key.registration,
            document_id=write.document_id,
        )
        .first()
    )


def _save(write: DocumentWrite, row: Document | None, content: bytes, content_type: str) -> None:
    if row is None:
        row = Document(
            credential_id=write.credential.id,
            kind=write.key.kind,
            activity=write.key.activity,
            agent_key=write.key.agent_key,
            registration=write.key.registration,
            document_id=write.document_id,
        )
    row.content, row.content_type = content, content_type
    row.etag, row.updated = etag_of(content), clock.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise XapiError(
            409, "The document was written at the same time by another request."
        ) from exc


@transaction.atomic
def document_put(write: DocumentWrite) -> None:
    row = _locked(write)
    unconditional = write.if_match is None and write.if_none_match is None
    if write.concurrency_required and unconditional:
        if row is not None:
            raise XapiError(409, "The document exists: send If-Match with its ETag to replace it.")
        if write.key.kind != "state":
            raise bad_request("A profile document is written with If-Match or If-None-Match: *.")
    _precondition(row, write.if_match, write.if_none_match)
    _save(write, row, write.content, write.content_type)


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"{what} is not a JSON object, so it cannot be merged.") from exc
    if not isinstance(value, dict):
        raise bad_request(f"{what} is not a JSON object, so it cannot be merged.")
    return value


@transaction.atomic
def document_post(write: DocumentWrite) -> None:
    """Merge a JSON object into the stored one (top-level properties), or store it."""
    row = _locked(write)
    _precondition(row, write.if_match, write.if_none_match)
    if row is None:
        _save(write, None, write.content, write.content_type)
        return
    if not row.content_type.startswith("application/json") or not write.content_type.startswith(
        "application/json"
    ):
        raise bad_request("Only application/json documents can be merged by POST.")
    merged = _json_object(bytes(row.content), "The stored document")
    merged.update(_json_object(write.content, "The posted document"))
    _save(write, row, dumps(merged).encode(), "application/json")


@transaction.atomic
def document_delete(
    *,
    credential: CredentialData,
    key: DocumentKey,
    document_id: str | None,
    if_match: str | None = None,
) -> None:
    qs = Document.objects.filter(
        credential_id=credential.id,
        kind=key.kind,
        activity=key.activity,
        agent_key=key.agent_key,
    )
    if key.registration or key.kind == Document.Kind.STATE:
        qs = qs.filter(registration=key.registration) if key.registration or document_id else qs
    if document_id is not None:
        row = qs.select_for_update().filter(document_id=document_id).first()
        _precondition(row, if_match, None)
        if row is not None:
            row.delete()
        return
    qs.delete()


# --- actors mapped by hand (#13 item 3) -----------------------------------------------------


@transaction.atomic
def actor_map(*, actor: Actor, unknown_id: int, person_id: int) -> int:
    """Map an unknown actor to a civil servant both in the actor's subtree; their stored
    statements are attributed to the person. Returns how many statements were."""
    unknown = selectors.access_unknown_actor_by_id(actor, unknown_id)
    person = people_api.access_person(actor, person_id)
    if not person.unit_path.startswith(unknown.org_path):
        raise PermissionDenied("该学员不在提供该记录的凭据所属辖区内")
    ActorMapping.objects.update_or_create(
        actor_key=unknown.actor_key, defaults={"person_id": person.id, "mapped_by_id": actor.pk}
    )
    unknown.mapped = True
    unknown.save(update_fields=["mapped"])
    count = Statement.objects.filter(actor_key=unknown.actor_key, person_id__isnull=True).update(
        person_id=person.id
    )
    changes = {"actor": unknown.actor_key, "person_id": person.id, "statements": count}
    _audit(actor, "xapi.actor.map", unknown, unknown.org_path, changes)
    completed = Statement.objects.filter(
        actor_key=unknown.actor_key, verb__in=COMPLETING_VERBS, voided=False
    ).exclude(activity="")
    for activity in completed.values_list("activity", flat=True).distinct():
        _complete_course(person.id, activity)
    _forget_cached()
    return count


@transaction.atomic
def statements_delete(
    *, actor: Actor, credential_key: str = "", since: Any = None, until: Any = None
) -> int:
    """Delete stored statements (after their NDJSON export, for retention); audited."""
    rows = Statement.objects.filter(selectors.stored_range(credential_key, since, until))
    count, _ = rows.delete()
    audit_record(
        actor=actor,
        action="xapi.statements.delete",
        object_type="Statement",
        changes={
            "credential": credential_key,
            "since": str(since),
            "until": str(until),
            "rows": count,
        },
    )
    return count
