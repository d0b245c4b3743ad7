"""Checks an xAPI statement (IEEE 9274.1.1, versions 1.0.3 and 2.0.0) against the data model.

Pure: no database, no request. Every rule raises `StatementInvalid` naming the property path
and what is wrong, which the LRS answers with 400 Bad Request (issue #13 item 1). Keys are
case-sensitive, unknown keys are refused, null is refused except inside extensions.
"""

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{56}$|^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")
_EMAIL = re.compile(r"^mailto:[^@\s:]+@[^@\s]+$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(\s*;.*)?$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?:{_NUM}W|(?:(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?)"
    rf"(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?)$"
)
# RFC 5646 language tags: language(-extlang)(-script)(-region)(-variant)*(-extension)*(-private),
# a private-use tag, or one of the irregular grandfathered tags.
_LANGUAGE = re.compile(
    r"^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[Xx](?:-[A-Za-z0-9]{1,8})+|en-GB-oed|i-[A-Za-z]{3,8}|sgn-[A-Z]{2}-[A-Z]{3})$"
)
INTERACTION_TYPES = {
    "true-false": (),
    "choice": ("choices",),
    "fill-in": (),
    "long-fill-in": (),
    "matching": ("source", "target"),
    "performance": ("steps",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "numeric": (),
    "other": (),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


class StatementInvalid(ValueError):
    """A statement (or an agent, activity or document parameter) breaks the data model."""


def _fail(path: str, reason: str) -> None:
    raise StatementInvalid(f"{path}: {reason}" if path else reason)


def _dict(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path, "must be a JSON object")
    return value


def _keys(
    obj: dict[str, Any], path: str, allowed: set[str], required: tuple[str, ...] = ()
) -> None:
    for key, value in obj.items():
        if key not in allowed:
            _fail(path, f"unknown property {key!r} (properties are case-sensitive)")
        if value is None:
            _fail(f"{path}.{key}", "must not be null")
    for key in required:
        if key not in obj:
            _fail(path, f"{key!r} is required")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    return value


def _bool(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        _fail(path, "must be true or false (a JSON boolean)")


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, "must be a JSON number")
    return float(value)


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.match(value))


def _iri(value: Any, path: str) -> None:
    if not is_iri(value):
        _fail(path, "must be an absolute IRI")


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def _uuid(value: Any, path: str) -> None:
    if not is_uuid(value):
        _fail(path, "must be a UUID in its standard string form")


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 date-time as an aware datetime (a missing offset is UTC), or None."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value)
    if not match:
        return None
    offset = match.group(8)
    if offset and offset.startswith("-") and not offset.strip("-:0"):
        return None  # "-00:00" is not a valid offset (RFC 3339 §4.3)
    text = value.replace("t", "T").replace(" ", "T").replace("z", "Z").replace(",", ".")
    if match.group(6) is None:
        text = text[:16] + ":00" + text[16:]
    if offset is None:
        text += "+00:00"
    elif offset.upper() == "Z":
        text = text[:-1] + "+00:00"
    elif len(offset) == 3:
        text += ":00"
    fraction = match.group(7)
    if fraction and len(fraction) > 6:
        text = text.replace("." + fraction, "." + fraction[:6])
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _timestamp(value: Any, path: str) -> None:
    if parse_timestamp(value) is None:
        _fail(path, "must be an ISO 8601 date and time")


def _language_map(value: Any, path: str) -> None:
    for tag, text in _dict(value, path).items():
        if not _LANGUAGE.match(tag):
            _fail(path, f"{tag!r} is not an RFC 5646 language tag")
        _string(text, f"{path}.{tag}")


def _extensions(value: Any, path: str) -> None:
    for key in _dict(value, path):
        if not is_iri(key):
            _fail(path, f"extension key {key!r} must be an absolute IRI")


class Validator:
    """One statement's check; `version` is the API version the request was made with."""

    def __init__(self, version: str) -> None:
        self.v2 = version.startswith("2.")

    # --- agents ---------------------------------------------------------------------

    def ifis(self, obj: dict[str, Any], path: str) -> int:
        count = 0
        if "mbox" in obj:
            count += 1
            if not isinstance(obj["mbox"], str) or not _EMAIL.match(obj["mbox"]):
                _fail(f"{path}.mbox", "must be a mailto: IRI of an e-mail address")
        if "mbox_sha1sum" in obj:
            count += 1
            if not isinstance(obj["mbox_sha1sum"], str) or not _SHA1.match(obj["mbox_sha1sum"]):
                _fail(f"{path}.mbox_sha1sum", "must be a SHA-1 hex digest")
        if "openid" in obj:
            count += 1
            _iri(obj["openid"], f"{path}.openid")
        if "account" in obj:
            count += 1
            account = _dict(obj["account"], f"{path}.account")
            _keys(account, f"{path}.account", {"homePage", "name"}, ("homePage", "name"))
            _iri(account["homePage"], f"{path}.account.homePage")
            _string(account["name"], f"{path}.account.name")
        return count

    def agent(self, value: Any, path: str, *, object_type_required: bool = False) -> None:
        obj = _dict(value, path)
        allowed = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
        _keys(obj, path, allowed, ("objectType",) if object_type_required else ())
        if obj.get("objectType", "Agent") != "Agent":
            _fail(f"{path}.objectType", "must be 'Agent'")
        if "name" in obj:
            _string(obj["name"], f"{path}.name")
        if self.ifis(obj, path) != 1:
            _fail(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")

    def group(self, value: Any, path: str, *, identified: bool | None = None) -> None:
        obj = _dict(value, path)
        allowed = {"objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account"}
        _keys(obj, path, allowed, ("objectType",))
        if obj["objectType"] != "Group":
            _fail(f"{path}.objectType", "must be 'Group'")
        if "name" in obj:
            _string(obj["name"], f"{path}.name")
        count = self.ifis(obj, path)
        if count > 1:
            _fail(path, "a Group uses at most one of mbox, mbox_sha1sum, openid, account")
        if count == 0 and "member" not in obj:
            _fail(path, "an anonymous Group must list its members")
        if identified is True and count == 0:
            _fail(path, "must be an identified Group")
        if "member" in obj:
            members = obj["member"]
            if not isinstance(members, list):
                _fail(f"{path}.member", "must be an array of Agents")
            for i, member in enumerate(members):
                self.agent(member, f"{path}.member[{i}]")

    def actor(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        if obj.get("objectType") == "Group":
            self.group(obj, path)
        else:
            self.agent(obj, path)

    def authority(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        if obj.get("objectType") == "Group":
            self.group(obj, path)
            if self.ifis(obj, path) or len(obj.get("member", [])) != 2:
                _fail(path, "a Group authority must be an anonymous Group of exactly two Agents")
        else:
            self.agent(obj, path)

    # --- verb, objects --------------------------------------------------------------

    def verb(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        _keys(obj, path, {"id", "display"}, ("id",))
        _iri(obj["id"], f"{path}.id")
        if "display" in obj:
            _language_map(obj["display"], f"{path}.display")

    def components(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            _fail(path, "must be an array of interaction components")
        seen: set[str] = set()
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            component = _dict(item, here)
            _keys(component, here, {"id", "description"}, ("id",))
            ident = _string(component["id"], f"{here}.id")
            if ident in seen:
                _fail(f"{here}.id", f"{ident!r} is used twice in the same list")
            seen.add(ident)
            if "description" in component:
                _language_map(component["description"], f"{here}.description")

    def definition(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        allowed = {"name", "description", "type", "moreInfo", "extensions", "interactionType"}
        allowed |= {"correctResponsesPattern", *COMPONENT_LISTS}
        _keys(obj, path, allowed)
        for key in ("name", "description"):
            if key in obj:
                _language_map(obj[key], f"{path}.{key}")
        for key in ("type", "moreInfo"):
            if key in obj:
                _iri(obj[key], f"{path}.{key}")
        if "extensions" in obj:
            _extensions(obj["extensions"], f"{path}.extensions")
        kind = obj.get("interactionType")
        if kind is not None and (not isinstance(kind, str) or kind not in INTERACTION_TYPES):
            _fail(f"{path}.interactionType", f"{kind!r} is not an interaction type")
        if "correctResponsesPattern" in obj:
            if kind is None:
                _fail(path, "correctResponsesPattern needs an interactionType")
            pattern = obj["correctResponsesPattern"]
            if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
                _fail(f"{path}.correctResponsesPattern", "must be an array of strings")
        for key in COMPONENT_LISTS:
            if key in obj:
                if kind is None or key not in INTERACTION_TYPES[kind]:
                    _fail(f"{path}.{key}", f"is not used with interactionType {kind!r}")
                self.components(obj[key], f"{path}.{key}")

    def activity(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        _keys(obj, path, {"objectType", "id", "definition"}, ("id",))
        if obj.get("objectType", "Activity") != "Activity":
            _fail(f"{path}.objectType", "must be 'Activity'")
        _iri(obj["id"], f"{path}.id")
        if "definition" in obj:
            self.definition(obj["definition"], f"{path}.definition")

    def statement_ref(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        _keys(obj, path, {"objectType", "id"}, ("objectType", "id"))
        if obj["objectType"] != "StatementRef":
            _fail(f"{path}.objectType", "must be 'StatementRef'")
        _uuid(obj["id"], f"{path}.id")

    def object(self, value: Any, path: str, *, sub: bool) -> None:
        obj = _dict(value, path)
        kind = obj.get("objectType", "Activity")
        if not isinstance(kind, str):
            _fail(f"{path}.objectType", "must be a string")
        checks: dict[str, Callable[[Any, str], None]] = {
            "Activity": self.activity,
            "Agent": lambda v, p: self.agent(v, p, object_type_required=True),
            "Group": self.group,
            "StatementRef": self.statement_ref,
        }
        if kind == "SubStatement":
            if sub:
                _fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
            self.statement(obj, path, sub=True)
        elif kind in checks:
            checks[kind](obj, path)
        else:
            _fail(f"{path}.objectType", f"{kind!r} is not an object type")

    # --- result, context, attachments -----------------------------------------------

    def score(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        _keys(obj, path, {"scaled", "raw", "min", "max"})
        numbers = {key: _number(obj[key], f"{path}.{key}") for key in obj}
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            _fail(f"{path}.scaled", "must be between -1 and 1")
        low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
        if low is not None and high is not None and low >= high:
            _fail(path, "min must be less than max")
        if raw is not None and (
            (low is not None and raw < low) or (high is not None and raw > high)
        ):
            _fail(f"{path}.raw", "must be between min and max")

    def result(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        allowed = {"score", "success", "completion", "response", "duration", "extensions"}
        _keys(obj, path, allowed)
        if "score" in obj:
            self.score(obj["score"], f"{path}.score")
        for key in ("success", "completion"):
            if key in obj:
                _bool(obj[key], f"{path}.{key}")
        if "response" in obj:
            _string(obj["response"], f"{path}.response")
        if "duration" in obj and not (
            isinstance(obj["duration"], str) and _DURATION.match(obj["duration"])
        ):
            _fail(f"{path}.duration", "must be an ISO 8601 duration, e.g. PT1H30M")
        if obj.get("duration") in ("P", "PT") or str(obj.get("duration", "")).endswith("T"):
            _fail(f"{path}.duration", "must be an ISO 8601 duration, e.g. PT1H30M")
        if "extensions" in obj:
            _extensions(obj["extensions"], f"{path}.extensions")

    def context_activities(self, value: Any, path: str) -> None:
        obj = _dict(value, path)
        _keys(obj, path, set(CONTEXT_ACTIVITY_KINDS))
        for key, item in obj.items():
            items = item if isinstance(item, list) else [item]
            for i, activity in enumerate(items):
                self.activity(activity, f"{path}.{key}[{i}]")

    def context_members(self, value: Any, path: str, kind: str) -> None:
        if not isinstance(value, list):
            _fail(path, "must be an array")
        member = "agent" if kind == "contextAgent" else "group"
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            obj = _dict(item, here)
            _keys(obj, here, {"objectType", member, "relevantTypes"}, ("objectType", member))
            if obj["objectType"] != kind:
                _fail(f"{here}.objectType", f"must be {kind!r}")
            if member == "agent":
                self.agent(obj["agent"], f"{here}.agent")
            else:
                self.group(obj["group"], f"{here}.group")
            if "relevantTypes" in obj:
                types = obj["relevantTypes"]
                if not isinstance(types, list) or not types:
                    _fail(f"{here}.relevantTypes", "must be a non-empty array of IRIs")
                for j, iri in enumerate(types):
                    _iri(iri, f"{here}.relevantTypes[{j}]")

    def context(self, value: Any, path: str, statement_object: dict[str, Any]) -> None:
        obj = _dict(value, path)
        allowed = {"registration", "instructor", "team", "contextActivities", "revision"}
        allowed |= {"platform", "language", "statement", "extensions"}
        if self.v2:
            allowed |= {"contextAgents", "contextGroups"}
        _keys(obj, path, allowed)
        if "registration" in obj:
            _uuid(obj["registration"], f"{path}.registration")
        if "instructor" in obj:
            self.actor(obj["instructor"], f"{path}.instructor")
        if "team" in obj:
            self.group(obj["team"], f"{path}.team")
        if "contextActivities" in obj:
            self.context_activities(obj["contextActivities"], f"{path}.contextActivities")
        for key in ("revision", "platform"):
            if key in obj:
                _string(obj[key], f"{path}.{key}")
                if statement_object.get("objectType", "Activity") != "Activity":
                    _fail(f"{path}.{key}", "is only allowed when the object is an Activity")
        if "language" in obj and not (
            isinstance(obj["language"], str) and _LANGUAGE.match(obj["language"])
        ):
            _fail(f"{path}.language", "must be an RFC 5646 language tag")
        if "statement" in obj:
            self.statement_ref(obj["statement"], f"{path}.statement")
        if "extensions" in obj:
            _extensions(obj["extensions"], f"{path}.extensions")
        if "contextAgents" in obj:
            self.context_members(obj["contextAgents"], f"{path}.contextAgents", "contextAgent")
        if "contextGroups" in obj:
            self.context_members(obj["contextGroups"], f"{path}.contextGroups", "contextGroup")

    def attachments(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            _fail(path, "must be an array of Attachments")
        allowed = {"usageType", "display", "description", "contentType", "length", "sha2"}
        allowed.add("fileUrl")
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            obj = _dict(item, here)
            _keys(obj, here, allowed, ("usageType", "display", "contentType", "length", "sha2"))
            _iri(obj["usageType"], f"{here}.usageType")
            _language_map(obj["display"], f"{here}.display")
            if "description" in obj:
                _language_map(obj["description"], f"{here}.description")
            if not isinstance(obj["contentType"], str) or not _MEDIA_TYPE.match(obj["contentType"]):
                _fail(f"{here}.contentType", "must be an Internet media type")
            length = obj["length"]
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                _fail(f"{here}.length", "must be a non-negative integer")
            if not isinstance(obj["sha2"], str) or not _SHA2.match(obj["sha2"]):
                _fail(f"{here}.sha2", "must be a SHA-2 hex digest")
            if "fileUrl" in obj:
                _iri(obj["fileUrl"], f"{here}.fileUrl")

    # --- the statement ----------------------------------------------------------------

    def statement(self, value: Any, path: str = "", *, sub: bool = False) -> None:
        obj = _dict(value, path or "statement")
        allowed = {"actor", "verb", "object", "result", "context", "timestamp", "attachments"}
        if sub:
            allowed.add("objectType")
        else:
            allowed |= {"id", "stored", "authority", "version"}
        _keys(obj, path or "statement", allowed, ("actor", "verb", "object"))
        p = f"{path}." if path else ""
        if "id" in obj:
            _uuid(obj["id"], f"{p}id")
        self.actor(obj["actor"], f"{p}actor")
        self.verb(obj["verb"], f"{p}verb")
        self.object(obj["object"], f"{p}object", sub=sub)
        if "result" in obj:
            self.result(obj["result"], f"{p}result")
        if "context" in obj:
            self.context(obj["context"], f"{p}context", obj["object"])
        for key in ("timestamp", "stored"):
            if key in obj:
                _timestamp(obj[key], f"{p}{key}")
        if "authority" in obj:
            self.authority(obj["authority"], f"{p}authority")
        if "version" in obj:
            version = obj["version"]
            pattern = r"^(1\.0|2\.0)(\.\d+)?$" if self.v2 else r"^1\.0(\.\d+)?$"
            if not isinstance(version, str) or not re.match(pattern, version):
                _fail(f"{p}version", "must be a 1.0.x (or, from 2.0.0, a 2.0.x) version")
        if "attachments" in obj:
            self.attachments(obj["attachments"], f"{p}attachments")
        if obj["verb"]["id"] == VOIDED_VERB and obj["object"].get("objectType") != "StatementRef":
            _fail(f"{p}object", "a voiding statement's object must be a StatementRef")


def validate_statement(statement: Any, version: str) -> None:
    Validator(version).statement(statement)
    if "\\u0000" in json.dumps(statement):
        _fail("statement", "must not contain the NUL character")


def validate_agent(agent: Any, version: str, path: str = "agent") -> None:
    """An Agent parameter (documents, the agent filter): an Agent or an identified Group."""
    validator = Validator(version)
    obj = _dict(agent, path)
    if obj.get("objectType") == "Group":
        validator.group(obj, path, identified=True)
    else:
        validator.agent(obj, path)
