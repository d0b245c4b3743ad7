"""The LRS resources under /xapi/ (issue #13 item 1): Statements, State, Activity Profile,
Agent Profile, Activities, Agents, About. Thin: parse the xAPI request, authenticate the
credential, call services and selectors, render. Errors answer JSON with the status the
specification names: {"error": {"code", "message", "details"}}."""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from civtrain.core import clock
from civtrain.xapi import protocol, selectors, services
from civtrain.xapi.data import (
    SUPPORTED_VERSIONS,
    CredentialData,
    XapiError,
    agent_key,
    bad_request,
    canonical_format,
    dumps,
    ids_format,
    iso,
)
from civtrain.xapi.protocol import XRequest
from civtrain.xapi.selectors import DocumentKey, StatementQuery
from civtrain.xapi.validation import (
    StatementInvalid,
    is_iri,
    is_uuid,
    parse_timestamp,
    validate_agent,
)

Handler = Callable[[XRequest, CredentialData, str], HttpResponse]


def _error(exc: XapiError, version: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"error": exc.as_dict()}, ensure_ascii=False),
        status=exc.status,
        content_type="application/json; charset=utf-8",
    )
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="civtrain xAPI"'
    response["X-Experience-API-Version"] = version
    return response


def _x_request(request: HttpRequest) -> XRequest:
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = {k: str(v) for k, v in request.GET.items()}
    if "method" in query:
        if request.method != "POST":
            raise bad_request("The alternate request syntax must be sent as POST.")
        return protocol.alternate_request(query, request.body, headers)
    method = request.method or "GET"
    try:
        body = request.body
    except RawPostDataException as exc:
        raise bad_request(f"{request.content_type} is not a content type of xAPI.") from exc
    return XRequest(
        method="GET" if method == "HEAD" else method,
        headers=headers,
        params=query,
        body=body,
        head=method == "HEAD",
    )


def _credential(xreq: XRequest) -> CredentialData:
    header = xreq.header("authorization") or ""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise XapiError(
            401, "Send the activity provider's credential with HTTP Basic authentication."
        )
    try:
        key, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise XapiError(401, "The Basic credential cannot be decoded.") from exc
    credential = selectors.credential_verify(key, secret)
    if credential is None:
        raise XapiError(401, "Unknown, revoked or wrong credential.")
    return credential


def resource(methods: tuple[str, ...], *, authenticated: bool = True) -> Callable[[Handler], Any]:
    """Wrap a resource handler with the xAPI request rules common to every resource."""

    def wrap(handler: Handler) -> Any:
        @csrf_exempt
        def view(request: HttpRequest) -> HttpResponse:
            version = protocol.default_version()
            try:
                xreq = _x_request(request)
                header = xreq.header("x-experience-api-version")
                if authenticated or header:
                    version = protocol.negotiated_version(header)
                if xreq.method not in methods:
                    raise XapiError(
                        405, f"{xreq.method} is not allowed here ({', '.join(methods)})."
                    )
                if version.startswith("2.") and "method" in request.GET:
                    raise bad_request("The alternate request syntax was removed in xAPI 2.0.")
                credential = _credential(xreq) if authenticated else None
                response = handler(xreq, credential, version)  # type: ignore[arg-type]
            except XapiError as exc:
                response = _error(exc, version)
                response["X-Experience-API-Consistent-Through"] = iso(clock.now())
                return response
            response["X-Experience-API-Version"] = version
            if xreq.head:
                response.content = b""
            return response

        return view

    return wrap


def _json(value: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(dumps(value), status=status, content_type="application/json")


def _allowed(xreq: XRequest, names: set[str]) -> None:
    unknown = sorted(set(xreq.params) - names)
    if unknown:
        raise bad_request(f"Unknown parameter {unknown[0]!r}.")


def _agent_param(xreq: XRequest, version: str, *, required: bool = True) -> dict[str, Any] | None:
    raw = xreq.params.get("agent")
    if raw is None:
        if required:
            raise bad_request("The 'agent' parameter is required.")
        return None
    try:
        agent = json.loads(raw)
        validate_agent(agent, version)
    except (ValueError, StatementInvalid) as exc:
        raise bad_request(f"The 'agent' parameter is not a valid Agent: {exc}") from exc
    return agent


def _iri_param(xreq: XRequest, name: str, *, required: bool = True) -> str:
    value = xreq.params.get(name)
    if value is None:
        if required:
            raise bad_request(f"The '{name}' parameter is required.")
        return ""
    if not is_iri(value):
        raise bad_request(f"The '{name}' parameter must be an IRI.")
    return value


def _time_param(xreq: XRequest, name: str) -> dt.datetime | None:
    value = xreq.params.get(name)
    if value is None:
        return None
    moment = parse_timestamp(value)
    if moment is None:
        raise bad_request(f"The '{name}' parameter must be an ISO 8601 timestamp.")
    return moment


def _bool_param(xreq: XRequest, name: str) -> bool:
    value = xreq.params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise bad_request(f"The '{name}' parameter must be true or false.")
    return value == "true"


# --- Statements -----------------------------------------------------------------------------

STATEMENT_PARAMS = {
    "statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
    "related_activities", "related_agents", "since", "until", "limit", "format",
    "attachments", "ascending", "more",
}  # fmt: skip


@resource(("GET", "PUT", "POST"))
def statements(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    if xreq.method == "GET":
        return _statements_get(xreq, credential, version)
    if xreq.method == "PUT":
        _allowed(xreq, {"statementId"})
        statement_id = xreq.params.get("statementId")
        if not statement_id or not is_uuid(statement_id):
            raise bad_request("PUT needs a statementId parameter holding a UUID.")
        body, parts = _statement_body(xreq)
        if not isinstance(body, dict):
            raise bad_request("PUT takes one statement, a JSON object.")
        if "id" in body and str(body["id"]).lower() != statement_id.lower():
            raise bad_request("The statement's id differs from the statementId parameter.")
        body = {**body, "id": statement_id.lower()} if "id" not in body else body
        _store(credential, [body], version, parts)
        return HttpResponse(status=204)
    _allowed(xreq, set())
    body, parts = _statement_body(xreq)
    batch = body if isinstance(body, list) else [body]
    if not batch:
        raise bad_request("The batch holds no statements.")
    return _json(_store(credential, batch, version, parts))


def _store(
    credential: CredentialData, batch: list[Any], version: str, parts: dict[str, Any]
) -> list[str]:
    if not all(isinstance(s, dict) for s in batch):
        raise bad_request("Each statement must be a JSON object.")
    return services.statements_store(
        credential=credential,
        statements=batch,
        version=version,
        attachments=parts,
        check_signature=protocol.check_signature,
    )


def _statement_body(xreq: XRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    if xreq.content_type == "multipart/mixed":
        return protocol.parse_multipart(xreq.header("content-type") or "", xreq.body)
    if xreq.content_type != "application/json":
        raise bad_request(
            "Statements are sent as application/json (or multipart/mixed with attachments)."
        )
    return protocol.parse_json(xreq.body), {}


def _statements_get(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    _allowed(xreq, STATEMENT_PARAMS)
    params = dict(xreq.params)
    if "more" in params:
        params = selectors.more_params(params["more"])
    fmt = params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise bad_request("'format' must be exact, ids or canonical.")
    attachments = _bool_param(XRequest("GET", {}, params, b""), "attachments")
    single = [n for n in ("statementId", "voidedStatementId") if n in params]
    languages = _languages(xreq.header("accept-language") or "")
    if single:
        if len(single) > 1 or set(params) - {single[0], "format", "attachments"}:
            raise bad_request(
                f"'{single[0]}' may only be combined with 'format' and 'attachments'."
            )
        if not is_uuid(params[single[0]]):
            raise bad_request(f"'{single[0]}' must be a UUID.")
        payload, stored = selectors.statement_one(
            credential, params[single[0]].lower(), voided=single[0] == "voidedStatementId"
        )
        statement = _formatted(json.loads(payload), fmt, languages)
        response = _statement_answer(dumps(statement), [statement], attachments)
        response["Last-Modified"] = http_date(stored.timestamp())
        return response
    query, page_params = _query(xreq, params, version)
    payloads, cursor = selectors.statement_page(credential, query)
    result = [_formatted(json.loads(p), fmt, languages) for p in payloads]
    more = ""
    if cursor:
        page_params["after"] = [cursor[0].isoformat(), cursor[1]]
        more = "/xapi/statements?" + urlencode({"more": selectors.more_token(page_params)})
    return _statement_answer(dumps({"statements": result, "more": more}), result, attachments)


def _statement_answer(
    text: str, statements: list[dict[str, Any]], attachments: bool
) -> HttpResponse:
    if attachments:
        content_type, body = protocol.build_multipart(text, selectors.attachments_for(statements))
        response = HttpResponse(body, content_type=content_type)
    else:
        response = HttpResponse(text, content_type="application/json")
    response["X-Experience-API-Consistent-Through"] = iso(clock.now())
    return response


def _query(
    xreq: XRequest, params: dict[str, Any], version: str
) -> tuple[StatementQuery, dict[str, Any]]:
    probe = XRequest("GET", {}, {k: v for k, v in params.items() if isinstance(v, str)}, b"")
    agent = _agent_param(probe, version, required=False)
    limit_text = str(params.get("limit", "0"))
    if not limit_text.isdigit():
        raise bad_request("'limit' must be a non-negative integer.")
    registration = params.get("registration", "")
    if registration and not is_uuid(registration):
        raise bad_request("'registration' must be a UUID.")
    after = params.get("after")
    query = StatementQuery(
        agent=agent_key(agent) if agent else "",
        verb=_iri_param(probe, "verb", required=False),
        activity=_iri_param(probe, "activity", required=False),
        registration=registration.lower(),
        related_activities=_bool_param(probe, "related_activities"),
        related_agents=_bool_param(probe, "related_agents"),
        since=_time_param(probe, "since"),
        until=_time_param(probe, "until"),
        limit=int(limit_text),
        ascending=_bool_param(probe, "ascending"),
        after=(dt.datetime.fromisoformat(after[0]), int(after[1])) if after else None,
    )
    page_params = {k: v for k, v in params.items() if k != "after"}
    return query, page_params


def _languages(header: str) -> list[str]:
    ranked = []
    for item in header.split(","):
        tag, _, quality = item.strip().partition(";q=")
        if tag.strip():
            try:
                ranked.append((float(quality or 1), tag.strip().lower()))
            except ValueError:
                continue
    return [tag for _, tag in sorted(ranked, key=lambda r: -r[0])]


def _formatted(statement: dict[str, Any], fmt: str, languages: list[str]) -> dict[str, Any]:
    if fmt == "ids":
        return ids_format(statement)
    if fmt == "canonical":
        return canonical_format(statement, languages)  # type: ignore[no-any-return]
    return statement


# --- documents ------------------------------------------------------------------------------


def _document(
    xreq: XRequest, credential: CredentialData, version: str, key: DocumentKey, id_name: str
) -> HttpResponse:
    document_id = xreq.params.get(id_name)
    if xreq.method == "GET":
        if document_id is None:
            ids = selectors.document_ids(credential, key, _time_param(xreq, "since"))
            return _json(ids)
        document = selectors.document_get(credential, key, document_id)
        if document is None:
            raise XapiError(404, f"No document with {id_name} {document_id!r}.")
        response = HttpResponse(document.content, content_type=document.content_type)
        response["ETag"] = f'"{document.etag}"'
        response["Last-Modified"] = http_date(document.updated.timestamp())
        return response
    if xreq.method == "DELETE":
        services.document_delete(
            credential=credential,
            key=key,
            document_id=document_id,
            if_match=xreq.header("if-match"),
        )
        return HttpResponse(status=204)
    if document_id is None:
        raise bad_request(f"The '{id_name}' parameter is required.")
    if "since" in xreq.params:
        raise bad_request("'since' is only for GET.")
    write = services.DocumentWrite(
        credential=credential,
        key=key,
        document_id=document_id,
        content=xreq.body,
        content_type=xreq.header("content-type") or "application/octet-stream",
        if_match=xreq.header("if-match"),
        if_none_match=xreq.header("if-none-match"),
        concurrency_required=version.startswith("2.") or key.kind != "state",
    )
    if xreq.method == "PUT":
        services.document_put(write)
    else:
        if write.content_type.split(";")[0].strip() == "application/json":
            protocol.parse_json(xreq.body)
        services.document_post(write)
    return HttpResponse(status=204)


@resource(("GET", "PUT", "POST", "DELETE"))
def state(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    _allowed(xreq, {"activityId", "agent", "registration", "stateId", "since"})
    activity = _iri_param(xreq, "activityId")
    agent = _agent_param(xreq, version)
    registration = xreq.params.get("registration", "")
    if registration and not is_uuid(registration):
        raise bad_request("'registration' must be a UUID.")
    key = DocumentKey("state", activity, agent_key(agent or {}), registration.lower())
    return _document(xreq, credential, version, key, "stateId")


@resource(("GET", "PUT", "POST", "DELETE"))
def activity_profile(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    _allowed(xreq, {"activityId", "profileId", "since"})
    key = DocumentKey("activity_profile", activity=_iri_param(xreq, "activityId"))
    if xreq.method == "DELETE" and "profileId" not in xreq.params:
        raise bad_request("The 'profileId' parameter is required.")
    return _document(xreq, credential, version, key, "profileId")


@resource(("GET", "PUT", "POST", "DELETE"))
def agent_profile(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    _allowed(xreq, {"agent", "profileId", "since"})
    key = DocumentKey("agent_profile", agent_key=agent_key(_agent_param(xreq, version) or {}))
    if xreq.method == "DELETE" and "profileId" not in xreq.params:
        raise bad_request("The 'profileId' parameter is required.")
    return _document(xreq, credential, version, key, "profileId")


# --- Activities, Agents, About --------------------------------------------------------------


@resource(("GET",))
def activities(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    _allowed(xreq, {"activityId"})
    iri = _iri_param(xreq, "activityId")
    activity: dict[str, Any] = {"objectType": "Activity", "id": iri}
    definition = selectors.activity_definition(iri)
    if definition:
        activity["definition"] = definition
    return _json(activity)


@resource(("GET",))
def agents(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    _allowed(xreq, {"agent"})
    agent = _agent_param(xreq, version) or {}
    person: dict[str, Any] = {"objectType": "Person"}
    for name in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if name in agent:
            person[name] = [agent[name]]
    return _json(person)


@resource(("GET",), authenticated=False)
def about(xreq: XRequest, credential: CredentialData, version: str) -> HttpResponse:
    return _json({"version": list(SUPPORTED_VERSIONS), "extensions": {}})
