"""Writes of the LRS: credentials, statements (validated, scoped, stored immutable, voiding,
course completion), documents with their concurrency rules, and actor mapping."""

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction

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
class _Row:
    """One statement of a request on its way into the store: its column values (as the
    database takes them), what it is filtered by, and the learner it is about."""

    statement: dict[str, Any]
    values: tuple[Any, ...]  # in STATEMENT_COLUMNS order
    links: list[tuple[str, str, bool]]
    matched: MatchedPerson | None
    refused: bool  # about a learner outside the credential's subtree
    activity: str
    voids: str | None
    ref: str | None  # the target of a StatementRef object

    @property
    def side_effects(self) -> bool:
        """Whether storing it writes more than its own and its filter rows."""
        statement = self.statement
        return bool(
            self.refused
            or self.voids
            or self.ref
            or (self.activity and "definition" in statement["object"])
            or (self.matched is None and agent_key(statement["actor"]))
            or (self.matched and self.activity and statement["verb"]["id"] in COMPLETING_VERBS)
        )


@dataclass
class _Batch:
    """Statements of one request on their way into the store."""

    credential: CredentialData
    stored: Any
    rows: list[_Row] = field(default_factory=list)


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


class _Db:
    """How this connection takes a statement's values, found once per request."""

    def __init__(self, stored: Any) -> None:
        self.native_uuid = connection.features.has_native_uuid_field
        self.stored = Statement._meta.get_field("stored").get_db_prep_value(stored, connection)

    def uuid(self, value: str) -> Any:
        parsed = uuid.UUID(value)
        return parsed if self.native_uuid else parsed.hex


def _row(statement: dict[str, Any], batch: _Batch, db: _Db) -> _Row:
    """The statement's row: scope (refused outside the credential's subtree: a provider
    writes only about its own learners, #13 item 3), filter rows and column values."""
    matched = selectors.actor_person(statement["actor"])
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    activity = obj["id"] if kind == "Activity" else ""
    voids = obj["id"].lower() if statement["verb"]["id"] == VOIDED_VERB else None
    values = (
        db.uuid(statement["id"]),
        batch.credential.id,
        db.stored,
        statement["verb"]["id"][:512],
        agent_key(statement["actor"])[:512],
        activity[:512],
        False,
        db.uuid(voids) if voids else None,
        matched.person_id if matched else None,
        dumps(statement),
    )
    return _Row(
        statement=statement,
        values=values,
        links=[(k, key[:512], direct) for k, key, direct in statement_links(statement)],
        matched=matched,
        refused=bool(matched and not matched.unit_path.startswith(batch.credential.org_path)),
        activity=activity,
        voids=voids,
        ref=obj["id"].lower() if kind == "StatementRef" else None,
    )


STATEMENT_COLUMNS = (
    "statement_id", "credential_id", "stored", "verb", "actor_key", "activity", "voided",
    "voids", "person_id", "payload",
)  # fmt: skip
_LINK_COLUMNS = "statement_id, kind, key, direct"
# Parameters per INSERT on SQLite: under its 32,766.
_MAX_PARAMS = 30_000


def _chunks(rows: list[_Row]) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    params = 0
    for row in rows:
        size = len(STATEMENT_COLUMNS)
        if chunk and params + size > _MAX_PARAMS:
            yield chunk
            chunk, params = [], 0
        chunk.append(row)
        params += size
    if chunk:
        yield chunk


def _insert_sql(rows: int) -> str:
    """SQLite: the INSERT of `rows` statements (ids already stored skipped) returning (pk,
    id) of those inserted. Built from the model's table name and placeholders only."""
    statements = connection.ops.quote_name(Statement._meta.db_table)
    one_row = "(" + ", ".join(["%s"] * len(STATEMENT_COLUMNS)) + ")"
    return (
        f"INSERT INTO {statements} ({', '.join(STATEMENT_COLUMNS)})"  # noqa: S608 - see above
        f" VALUES {', '.join([one_row] * rows)}"
        " ON CONFLICT (statement_id) DO NOTHING RETURNING id, statement_id"
    )


def _postgresql_insert_sql() -> str:
    """PostgreSQL: the statements and their filter rows in one SQL statement, each table's
    rows one JSON parameter (`json_to_recordset`). The query text is the same for every
    batch, so psycopg parses its placeholders once; spelling out a placeholder per value
    made psycopg split a query of thousands of them with a regex on every request (40 % of
    a batch's CPU). Ids already stored are skipped (ON CONFLICT DO NOTHING); the filter
    rows join the statements actually inserted."""
    columns = ", ".join(STATEMENT_COLUMNS)
    statements = connection.ops.quote_name(Statement._meta.db_table)
    return (
        "WITH r AS (SELECT * FROM json_to_recordset(%s::json) AS r (statement_id uuid,"  # noqa: S608 - constants
        " credential_id bigint, stored timestamptz, verb varchar, actor_key varchar,"
        " activity varchar, voided boolean, voids uuid, person_id integer, payload text)),"
        f" s AS (INSERT INTO {statements} ({columns})"
        f" SELECT {columns} FROM r ON CONFLICT (statement_id) DO NOTHING"
        " RETURNING id, statement_id),"
        f" l AS (INSERT INTO {_link_table()} ({_LINK_COLUMNS})"
        " SELECT s.id, v.kind, v.key, v.direct FROM s JOIN json_to_recordset(%s::json)"
        " AS v (sid uuid, kind varchar, key varchar, direct boolean)"
        " ON v.sid = s.statement_id)"
        " SELECT id, statement_id FROM s"
    )


def _link_table() -> str:
    return connection.ops.quote_name(StatementLink._meta.db_table)


def _insert_new(rows: list[_Row]) -> dict[str, int]:
    """Insert the statements whose id is not stored yet, with their filter rows, in as few
    round trips as the database allows (PostgreSQL: one); the primary keys of those
    inserted, by statement id. The others are left for the caller to compare (a re-sent
    statement, or a conflict)."""
    if connection.vendor == "postgresql":
        statements = [dict(zip(STATEMENT_COLUMNS, row.values, strict=True)) for row in rows]
        links = [
            {"sid": row.values[0], "kind": kind, "key": key, "direct": direct}
            for row in rows
            for kind, key, direct in row.links
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                _postgresql_insert_sql(),
                [
                    json.dumps(statements, ensure_ascii=False, default=str),
                    json.dumps(links, ensure_ascii=False, default=str),
                ],
            )
            return {str(sid): pk for pk, sid in cursor.fetchall()}
    inserted: dict[str, int] = {}
    for chunk in _chunks(rows):
        params: list[Any] = [value for row in chunk for value in row.values]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(len(chunk)), params)
            found = {str(uuid.UUID(str(sid))): pk for pk, sid in cursor.fetchall()}
            pks = {row.values[0]: found.get(row.statement["id"]) for row in chunk}
            cursor.executemany(
                f"INSERT INTO {_link_table()} ({_LINK_COLUMNS})"  # nosec B608  # noqa: S608 - constants
                " VALUES (%s, %s, %s, %s)",
                [
                    (pks[row.values[0]], kind, key, direct)
                    for row in chunk
                    if pks[row.values[0]]
                    for kind, key, direct in row.links
                ],
            )
        inserted.update(found)
    return inserted


def _check_conflicts(rows: list[_Row]) -> None:
    """Ids already stored: the same content is a re-sent statement (nothing to do); other
    content answers 409."""
    existing = selectors.statements_existing([row.statement["id"] for row in rows])
    for row in rows:
        stored = existing.get(row.statement["id"])
        if stored is not None and normalised_for_comparison(json.loads(stored)) != (
            normalised_for_comparison(row.statement)
        ):
            raise XapiError(
                409, f"A different statement with id {row.statement['id']} is already stored."
            )


def _check_voiding(credential: CredentialData, voids: list[str]) -> None:
    if not voids:
        return
    targets = Statement.objects.filter(statement_id__in=voids)
    if targets.filter(verb=VOIDED_VERB).exists():
        raise bad_request("A voiding statement cannot itself be voided.")
    targets.filter(credential_id=credential.id).update(voided=True)


def _ref_links(credential: CredentialData, refs: dict[int, str]) -> None:
    """A statement about another one is found by the other's filters too (Data 2.5.3)."""
    targets = dict(
        Statement.objects.filter(
            credential_id=credential.id, statement_id__in=set(refs.values())
        ).values_list("statement_id", "pk")
    )
    by_target: dict[int, list[int]] = {}
    for pk, target in refs.items():
        if uuid.UUID(target) in targets:
            by_target.setdefault(targets[uuid.UUID(target)], []).append(pk)
    StatementLink.objects.bulk_create(
        [
            StatementLink(statement_id=pk, kind=link.kind, key=link.key, direct=link.direct)
            for link in StatementLink.objects.filter(statement_id__in=by_target)
            for pk in by_target[link.statement_id]
        ]
    )


def _side_rows(batch: _Batch, new: list[_Row]) -> None:
    definitions: dict[str, dict[str, Any]] = {}
    unknown: dict[str, dict[str, Any]] = {}
    for row in new:
        obj = row.statement["object"]
        if row.activity and "definition" in obj:
            definitions[row.activity] = merged_definition(
                definitions.get(row.activity, {}), obj["definition"]
            )
        key = agent_key(row.statement["actor"]) if row.matched is None else ""
        if key:
            unknown.setdefault(key, row.statement["actor"])
    for iri, definition in definitions.items():
        activity = Activity.objects.select_for_update().filter(iri=iri[:512]).first()
        if activity is None:
            Activity.objects.bulk_create(
                [Activity(iri=iri[:512], definition=dumps(definition))], ignore_conflicts=True
            )
        else:
            merged = dumps(merged_definition(json.loads(activity.definition), definition))
            if merged != activity.definition:
                activity.definition = merged
                activity.save(update_fields=["definition"])
    if unknown:
        UnknownActor.objects.bulk_create(
            [
                UnknownActor(
                    actor_key=key[:512],
                    actor=dumps(actor),
                    credential_id=batch.credential.id,
                    org_path=batch.credential.org_path,
                    first_seen=batch.stored,
                )
                for key, actor in unknown.items()
            ],
            ignore_conflicts=True,
        )
    for row in new:
        if row.matched and row.activity and row.statement["verb"]["id"] in COMPLETING_VERBS:
            _complete_course(row.matched.person_id, row.activity)


def statements_store(
    *,
    credential: CredentialData,
    statements: list[Any],
    version: str,
    attachments: dict[str, tuple[str, bytes]] | None = None,
    check_signature: Callable[[dict[str, Any], dict[str, tuple[str, bytes]]], None] | None = None,
) -> list[str]:
    """Validate and store a batch (all or nothing); the statements' ids in order.

    The statements are inserted first, skipping ids already stored (`ON CONFLICT DO
    NOTHING`); only those skipped are read back and compared (a re-sent statement is a
    no-op, a different one 409), so the common case costs one INSERT, not a read and an
    INSERT. A statement about a learner outside the credential's subtree is refused (403)
    when it would be stored; an identical re-send of one already stored is not."""
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
    db = _Db(batch.stored)
    rows = [_row(s, batch, db) for s in prepared]
    # One statement with nothing but its own rows to write is one SQL statement on
    # PostgreSQL, atomic by itself: no BEGIN/COMMIT round trips around it.
    alone = (
        connection.vendor == "postgresql"
        and len(rows) == 1
        and not attachments
        and not rows[0].side_effects
    )
    with nullcontext() if alone else transaction.atomic():
        inserted = _insert_new(rows)
        if len(inserted) < len(rows):
            _check_conflicts([r for r in rows if r.statement["id"] not in inserted])
        new = [r for r in rows if r.statement["id"] in inserted]
        if any(r.refused for r in new):
            raise XapiError(403, "This credential may not record statements about this learner.")
        if any(r.side_effects for r in new) or attachments:
            refs = {inserted[r.statement["id"]]: r.ref for r in new if r.ref}
            if refs:
                _ref_links(credential, refs)
            _check_voiding(credential, [r.voids for r in new if r.voids])
            if new:
                _store_attachments(attachments)
            _side_rows(batch, new)
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
    return hashlib.sha1(content).hexdigest()  # nosec B324  # noqa: S324 - an ETag, not a security measure


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
