"""The LRS's vocabulary: versions, errors, credentials, and the pure helpers on statements
(an agent's identifying key, the rows a statement is filtered by, the `ids` format)."""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from civtrain.core.errors import ApplicationError

SUPPORTED_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0")
COMPLETING_VERBS = frozenset(
    {"http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"}
)
# The account homePage that says "this is a civtrain login" (#13 item 3): settings override.
DEFAULT_ACCOUNT_HOMEPAGE = "https://civtrain.gov.cn/"


class XapiErrorCode(StrEnum):
    BAD_REQUEST = "xapi_bad_request"
    UNAUTHORISED = "xapi_unauthorised"
    FORBIDDEN = "xapi_forbidden"
    NOT_FOUND = "xapi_not_found"
    CONFLICT = "xapi_conflict"
    PRECONDITION_FAILED = "xapi_precondition_failed"
    TOO_LARGE = "xapi_too_large"
    METHOD = "xapi_method_not_allowed"


class XapiError(ApplicationError):
    """An LRS answer other than success, with the status the specification names."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        default = {
            401: XapiErrorCode.UNAUTHORISED,
            403: XapiErrorCode.FORBIDDEN,
            404: XapiErrorCode.NOT_FOUND,
            405: XapiErrorCode.METHOD,
            409: XapiErrorCode.CONFLICT,
            412: XapiErrorCode.PRECONDITION_FAILED,
            413: XapiErrorCode.TOO_LARGE,
        }.get(status, XapiErrorCode.BAD_REQUEST)
        super().__init__(code or default, message)
        self.status = status


def bad_request(message: str) -> XapiError:
    return XapiError(400, message)


@dataclass(frozen=True)
class CredentialData:
    id: int
    name: str
    key: str
    org_id: int
    org_path: str
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def authority(self) -> dict[str, Any]:
        """The Agent the LRS names as every statement's authority for this credential."""
        return {
            "objectType": "Agent",
            "name": self.name,
            "account": {"homePage": "urn:civtrain:xapi-credential", "name": self.key},
        }


@dataclass(frozen=True)
class IssuedCredential:
    """A credential with its secret, shown once at creation or rotation."""

    credential: CredentialData
    secret: str


@dataclass(frozen=True)
class DocumentData:
    content: bytes
    content_type: str
    etag: str
    updated: dt.datetime


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def agent_key(agent: dict[str, Any]) -> str:
    """The identifying key of an Agent or identified Group ("" for an anonymous Group)."""
    if "mbox" in agent:
        return "mbox|" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "sha1|" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid|" + str(agent["openid"])
    if "account" in agent:
        account = agent["account"]
        return f"account|{account.get('homePage')}|{account.get('name')}"
    return ""


def mbox_sha1sum(email: str) -> str:
    return hashlib.sha1(f"mailto:{email}".encode()).hexdigest()  # nosec B324  # noqa: S324 - xAPI's own identifier


def _agents_in(agent: dict[str, Any], direct: bool) -> Iterator[tuple[str, str, bool]]:
    key = agent_key(agent)
    if key:
        yield "agent", key, direct
    for member in agent.get("member", []) if isinstance(agent.get("member"), list) else []:
        member_key = agent_key(member)
        if member_key:
            yield "agent", member_key, False


def _activities(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [a for a in items if isinstance(a, dict)]


def _context_links(context: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    for key in ("instructor", "team"):
        if key in context:
            yield from _agents_in(context[key], False)
    for item in context.get("contextAgents", []):
        yield from _agents_in(item.get("agent", {}), False)
    for item in context.get("contextGroups", []):
        yield from _agents_in(item.get("group", {}), False)
    for items in context.get("contextActivities", {}).values():
        for activity in _activities(items):
            yield "activity", activity["id"], False
    if "registration" in context:
        yield "registration", context["registration"].lower(), True


def statement_links(
    statement: dict[str, Any], *, top: bool = True
) -> Iterator[tuple[str, str, bool]]:
    """(kind, key, direct) rows a statement is found by (see models.StatementLink)."""
    yield "verb", statement["verb"]["id"], top
    yield from _agents_in(statement["actor"], top)
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        yield "activity", obj["id"], top
    elif kind in ("Agent", "Group"):
        yield from _agents_in(obj, top)
    elif kind == "SubStatement":
        for link_kind, key, _direct in statement_links(obj, top=False):
            if link_kind != "registration":
                yield link_kind, key, False
    yield from _context_links(statement.get("context", {}))
    if top and "authority" in statement:
        yield from _agents_in(statement["authority"], False)


def _ids_agent(agent: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"objectType": agent.get("objectType", "Agent")}
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            out[key] = agent[key]
    if "member" in agent and not agent_key(agent):
        out["member"] = [_ids_agent(m) for m in agent["member"]]
    return out


def _ids_object(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _ids_agent(obj)
    if kind == "SubStatement":
        return ids_format(obj)
    if kind == "Activity":
        return {"id": obj["id"]}
    return obj


def ids_format(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement with Agents, Groups, Activities and Verbs reduced to their identifiers
    (`format=ids`)."""
    out = dict(statement)
    out["actor"] = _ids_agent(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        out["authority"] = _ids_agent(statement["authority"])
    if "context" in statement:
        context = dict(statement["context"])
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_agent(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                k: [{"id": a["id"]} for a in _activities(v)]
                for k, v in context["contextActivities"].items()
            }
        out["context"] = context
    return out


def _pick_language(value: dict[str, str], languages: list[str]) -> dict[str, str]:
    for wanted in languages:
        for exact in (True, False):
            for tag in value:
                lowered = tag.lower()
                if lowered == wanted if exact else lowered.split("-")[0] == wanted.split("-")[0]:
                    return {tag: value[tag]}
    first = next(iter(value), None)
    return {first: value[first]} if first is not None else {}


def canonical_format(value: Any, languages: list[str], key: str = "") -> Any:
    """Language maps reduced to the one language the client prefers (`format=canonical`)."""
    if isinstance(value, dict):
        if key in ("display", "name", "description") and all(
            isinstance(v, str) for v in value.values()
        ):
            return _pick_language(value, languages)
        if key == "extensions":
            return value
        return {k: canonical_format(v, languages, k) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical_format(v, languages, key) for v in value]
    return value


def with_context_arrays(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement with every contextActivities value an array, as the LRS returns it."""
    out = dict(statement)
    context = out.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        out["context"] = {
            **context,
            "contextActivities": {
                k: _activities(v) for k, v in context["contextActivities"].items()
            },
        }
    obj = out.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        out["object"] = with_context_arrays(obj)
    return out


def merged_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An activity's canonical definition: the newer one, its language maps merged into the
    older ones (two providers describing it in two languages both show)."""
    merged = {**old, **new}
    for key in ("name", "description"):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            merged[key] = {**old[key], **new[key]}
    return merged


_HUNDREDTHS = re.compile(r"(\.\d{1,2})\d*(?=S$)")


def normalised_for_comparison(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement without what the LRS sets or may change (id, stored, authority, version,
    timestamp), to tell a re-sent statement from a conflicting one."""
    out = {
        k: v
        for k, v in with_context_arrays(statement).items()
        if k not in ("id", "stored", "authority", "version", "timestamp", "attachments")
    }
    result = out.get("result")
    if isinstance(result, dict) and isinstance(result.get("duration"), str):
        # Durations compare to 0.01 s (2.0.0, 4.2.7): beyond that is noise.
        out["result"] = {**result, "duration": _HUNDREDTHS.sub(r"\1", result["duration"])}
    return out


def iso(moment: dt.datetime) -> str:
    """An xAPI timestamp: UTC, millisecond precision."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
