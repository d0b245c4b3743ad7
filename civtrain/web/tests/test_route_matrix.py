"""The permission matrix generated from the URL conf and the API schema (#17 must-show):
every route × every role × an object inside the role's scope, one outside it, and the
anonymous client — so a route added tomorrow is in it without anyone listing it. 0 leaks:

- the anonymous client reaches only the public routes (PUBLIC, each with its reason);
- a session past the password but not the second factor reaches nothing (#17 item 1);
- no role ever sees a person of another city (name or ID number), nor any clear ID number;
- the three administrators see no person's personal data at all (#17 item 2);
- no route answers a server error to anyone.

Objects outside the scope are the other city's (its person, unit and staff account); ids of
kinds the fixture does not build are a missing id, which must answer like one."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.web.sitewalk import routes

MISSING = 987_654
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

# Routes anyone may reach, and why.
PUBLIC = {
    "login/": "the login page",
    "healthz": "the load balancer's health probe (database vendor only)",
    "i18n/setlang/": "the language switch",
    "verify/": "the verification form for a certificate's serial (documents, ADR 0020)",
    "verify/<str:serial>/": "a certificate's public verification page (documents, ADR 0020)",
    "api/v1/docs": "the API's documentation page (no data)",
    "api/v1/openapi.json": "the API's schema (no data)",
    "api/v1/compliance/schema": "the rule-set file schema (no data)",
    "compliance/ruleset.schema.json": "the rule-set file schema (no data)",
    "xapi/about": "xAPI's About resource, public by the specification (versions only)",
}

# What the anonymous client may be answered: the login page, a structured refusal, "not
# found", a wrong method.
# A 400 refuses too: the xAPI resources check their version header before the credentials.
REFUSED = (302, 400, 401, 403, 404, 405)


def _fill(route: str, ids: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if name in ids:
            return str(ids[name])
        return str(MISSING) if converter == "int" else "x"

    return "/" + PARAM.sub(value, route).lstrip("^").rstrip("$")


@pytest.fixture
def world(tree: Any, actors: Any) -> dict[str, Any]:
    inside_number = testing.make_id_number(serial=811)
    outside_number = testing.make_id_number(serial=812)
    inside = testing.make_person(tree["U1"], name="甲一号", id_number=inside_number)
    outside = testing.make_person(tree["U3"], name="丙三外市", id_number=outside_number)
    from civtrain.accounts.api import User

    learner = User.objects.get(pk=inside.user_id)
    people = {
        **actors,
        "learner": learner,
        "security_admin": testing.make_user(Role.SECURITY_ADMIN, tree["C1"]),
        "audit_admin": testing.make_user(Role.AUDIT_ADMIN, tree["C1"]),
        "system_admin": testing.make_user(Role.SYSTEM_ADMIN, tree["C1"]),
    }
    outside_ids = {
        "person_id": outside.id,
        "org_id": tree["U3"].id,
        "node_id": tree["U3"].id,
        "user_id": actors["other_city"].pk,
        "code": "U3",
    }
    return {
        "actors": people,
        "outside_ids": outside_ids,
        "inside_name": "甲一号",
        "outside_name": "丙三外市",
        "numbers": (inside_number, outside_number),
    }


def _get(client: Client, url: str) -> Any:
    return client.get(url, HTTP_ACCEPT="text/html,application/json")


def _leaks(body: str, world: dict[str, Any], *, no_people: bool) -> list[str]:
    found = [n for n in world["numbers"] if n in body]
    if world["outside_name"] in body:
        found.append(world["outside_name"])
    if no_people and world["inside_name"] in body:
        found.append(world["inside_name"])
    return found


def test_every_api_schema_path_is_a_route_of_the_url_conf(db: Any) -> None:
    from config.api import api

    schema_paths = api.get_openapi_schema()["paths"]
    known = {r for r in routes() if r.startswith("api/v1/")}
    as_routes = {
        "api/v1/" + re.sub(r"\{(\w+)\}", r"<\1>", p.removeprefix("/api/v1/")) for p in schema_paths
    }

    def norm(route: str) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route)

    assert {norm(r) for r in as_routes} - {norm(r) for r in known} == set()


def test_the_anonymous_client_reaches_only_the_public_routes(world: dict[str, Any]) -> None:
    client = Client()
    reached = {}
    for route in routes():
        response = _get(client, _fill(route, {}))
        assert response.status_code < 500, route
        if route not in PUBLIC and response.status_code not in REFUSED:
            reached[route] = response.status_code
        if response.status_code == 302 and route not in PUBLIC:
            assert response["Location"].startswith("/login/"), route
        body = b"" if getattr(response, "streaming", False) else response.content
        assert not _leaks(body.decode("utf-8", "replace"), world, no_people=True), route
    assert reached == {}, "\n".join(f"{r}: {s}" for r, s in sorted(reached.items()))


def test_a_password_without_the_second_factor_reaches_nothing(world: dict[str, Any]) -> None:
    client = Client()
    testing.force_login_password_only(client, world["actors"]["city"])
    open_routes = {"account/2fa/", "logout/", "i18n/setlang/"} | set(PUBLIC)
    reached = {}
    for route in routes():
        if route in open_routes or route.startswith("account/webauthn/"):
            continue
        response = _get(client, _fill(route, {}))
        redirected = response.status_code == 302 and response["Location"].startswith(
            "/account/2fa/"
        )
        refused = response.status_code in (401, 403)
        if not (redirected or refused):
            reached[route] = response.status_code
    assert reached == {}, "\n".join(f"{r}: {s}" for r, s in sorted(reached.items()))


ROLES = [
    "city",
    "district",
    "unit_hr",
    "institution",
    "teacher",
    "evaluator",
    "learner",
    "security_admin",
    "audit_admin",
    "system_admin",
]
ADMINS = {"security_admin", "audit_admin", "system_admin"}
AUDIT_ROUTES = {"audit/", "audit/export/"}


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_outside_its_scope(world: dict[str, Any], role: str) -> None:
    client = Client()
    client.force_login(world["actors"][role])
    problems = []
    for route in routes():
        if route in ("logout/",):
            continue
        for ids in ({}, world["outside_ids"]):
            response = _get(client, _fill(route, ids))
            if response.status_code >= 500:
                problems.append(f"{route}: {response.status_code}")
                continue
            body = b"" if getattr(response, "streaming", False) else response.content
            # The audit names the objects of its events (a person's name, never the number):
            # reading it is the audit administrator's job.
            no_people = role in ADMINS and not (role == "audit_admin" and route in AUDIT_ROUTES)
            leaks = _leaks(body.decode("utf-8", "replace"), world, no_people=no_people)
            if leaks:
                problems.append(f"{route} ({'outside' if ids else 'missing'}): {leaks}")
    assert problems == []
