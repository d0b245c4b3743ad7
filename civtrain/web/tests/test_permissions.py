"""Page permission matrix (issue 2 items 6 and 9): role × in-scope / out-of-scope object ×
page → status; out of scope answers exactly like a missing id; clear ID numbers never
appear in a page except in an entitled reveal, which is audited (ARCHITECTURE §7)."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core.models import AuditEvent

MISSING = 987_654

# page → (method, url template); {org} / {person} are filled per case.
PAGES = {
    "home": ("get", "/"),
    "org_tree": ("get", "/orgs/"),
    "org_detail": ("get", "/orgs/{org}/"),
    "org_children": ("get", "/orgs/{org}/children/"),
    "people_list": ("get", "/people/"),
    "person_detail": ("get", "/people/{person}/"),
    "person_edit": ("get", "/people/{person}/edit/"),
    "reveal_id": ("post", "/people/{person}/reveal-id/"),
    "audit": ("get", "/audit/"),
}

# role → page → (status for the in-scope object, status for the out-of-scope object).
# Pages without an object have the same status in both columns.
OK, LOGIN, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
PERSONNEL_ROW = {
    "home": (OK, OK),
    "org_tree": (OK, OK),
    "org_detail": (OK, NOT_FOUND),
    "org_children": (OK, NOT_FOUND),
    "people_list": (OK, OK),
    "person_detail": (OK, NOT_FOUND),
    "person_edit": (OK, NOT_FOUND),
    "reveal_id": (OK, NOT_FOUND),
}
NON_PERSONNEL_ROW = {
    "home": (OK, OK),
    "org_tree": (FORBIDDEN, FORBIDDEN),
    "org_detail": (FORBIDDEN, FORBIDDEN),
    "org_children": (FORBIDDEN, FORBIDDEN),
    "people_list": (FORBIDDEN, FORBIDDEN),
    "person_detail": (NOT_FOUND, NOT_FOUND),
    "person_edit": (NOT_FOUND, NOT_FOUND),
    "reveal_id": (NOT_FOUND, NOT_FOUND),
    "audit": (FORBIDDEN, FORBIDDEN),
}
MATRIX: dict[str, dict[str, tuple[int, int]]] = {
    "anonymous": {page: (LOGIN, LOGIN) for page in PAGES},
    "city": {**PERSONNEL_ROW, "audit": (OK, OK)},
    "district": {**PERSONNEL_ROW, "audit": (FORBIDDEN, FORBIDDEN)},
    "unit_hr": {**PERSONNEL_ROW, "audit": (FORBIDDEN, FORBIDDEN)},
    "institution": NON_PERSONNEL_ROW,
    "teacher": NON_PERSONNEL_ROW,
    "evaluator": NON_PERSONNEL_ROW,
    # The learner sees their own record (in scope) but may not edit it or reveal the number.
    "learner": {
        **NON_PERSONNEL_ROW,
        "person_detail": (OK, NOT_FOUND),
        "person_edit": (FORBIDDEN, NOT_FOUND),
        "reveal_id": (FORBIDDEN, NOT_FOUND),
    },
}
# Which objects are in and out of each role's scope (by fixture key).
OBJECTS = {
    "anonymous": (("U1", "p_u1"), ("U2", "p_u2")),
    "city": (("U1", "p_u1"), ("U3", "p_u3")),  # C1 holds U1; U3 is in the other city
    "district": (("U1", "p_u1"), ("U2", "p_u2")),  # D1 holds U1; U2 is in D2
    "unit_hr": (("U1-1", "p_u1"), ("U2", "p_u2")),
    "institution": (("U1", "p_u1"), ("U3", "p_u3")),
    "teacher": (("U1", "p_u1"), ("U3", "p_u3")),
    "evaluator": (("U1", "p_u1"), ("U3", "p_u3")),
    "learner": (("U1", "p_u1"), ("U2", "p_u2")),
}


@pytest.fixture
def world(tree: Any, actors: Any) -> dict[str, Any]:
    numbers = {
        key: testing.make_id_number(serial=500 + i) for i, key in enumerate(("u1", "u2", "u3"))
    }
    people = {
        "p_u1": testing.make_person(tree["U1"], name="甲一", id_number=numbers["u1"]),
        "p_u2": testing.make_person(tree["U2"], name="乙二", id_number=numbers["u2"]),
        "p_u3": testing.make_person(tree["U3"], name="丙三", id_number=numbers["u3"]),
    }
    # make_person gives every civil servant a learner account bound to their unit.
    learner = User.objects.get(pk=people["p_u1"].user_id)
    return {
        "tree": tree,
        "actors": {**actors, "learner": learner},
        "people": people,
        "numbers": set(numbers.values()),
        "clear": {people[f"p_{key}"].id: number for key, number in numbers.items()},
    }


def _request(client: Client, page: str, org_id: int, person_id: int) -> Any:
    method, template = PAGES[page]
    url = template.format(org=org_id, person=person_id)
    if method == "post":  # the reveal needs a reason (#8 item 13, #17 item 4); others ignore it
        return client.post(url, {"purpose": "identity_check", "reason": "核对档案"})
    return getattr(client, method)(url)


CASES = [
    (role, page, side) for role, row in MATRIX.items() for page in PAGES for side in ("in", "out")
]


@pytest.mark.parametrize(("role", "page", "side"), CASES)
def test_page_permission_matrix(world: dict[str, Any], role: str, page: str, side: str) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(world["actors"][role])
    org_key, person_key = OBJECTS[role][0 if side == "in" else 1]
    org_id = world["tree"][org_key].id
    person_id = world["people"][person_key].id
    reveals_before = AuditEvent.objects.filter(action="person.reveal_id").count()

    response = _request(client, page, org_id, person_id)

    expected = MATRIX[role][page][0 if side == "in" else 1]
    assert response.status_code == expected, (role, page, side)
    if expected == LOGIN:
        assert response["Location"].startswith("/login/")
    body = response.content.decode()
    revealed = page == "reveal_id" and expected == OK
    if revealed:
        person = world["people"][person_key]
        clear = world["clear"][person.id]
        assert clear in body
        assert AuditEvent.objects.filter(action="person.reveal_id").count() == reveals_before + 1
        event = AuditEvent.objects.filter(action="person.reveal_id").latest("id")
        assert (event.actor_id, event.object_id) == (world["actors"][role].pk, str(person.id))
    else:
        for number in world["numbers"]:
            assert number not in body, (role, page, side)
        assert AuditEvent.objects.filter(action="person.reveal_id").count() == reveals_before


@pytest.mark.parametrize("page", ["org_detail", "person_detail", "person_edit", "reveal_id"])
@pytest.mark.parametrize("role", ["city", "district", "unit_hr"])
def test_out_of_scope_looks_exactly_like_missing(
    world: dict[str, Any], role: str, page: str
) -> None:
    client = Client()
    client.force_login(world["actors"][role])
    org_key, person_key = OBJECTS[role][1]
    outside = _request(client, page, world["tree"][org_key].id, world["people"][person_key].id)
    missing = _request(client, page, MISSING, MISSING)
    assert outside.status_code == missing.status_code == 404
    assert _main(outside) == _main(missing)
    assert "不存在或不在您的管辖范围内" in _main(missing)


def _main(response: Any) -> str:
    """The page body without the layout (which echoes the URL and a fresh CSRF token)."""
    body = response.content.decode()
    return body[body.index('<div id="app-errors"') : body.index("<footer")]
