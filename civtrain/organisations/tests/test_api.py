"""Organisation endpoints: the permission matrix (role × in/out of scope × endpoint), lists,
filters and pagination, and the structured errors (CQ-O2, ARCHITECTURE §7)."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civtrain import testing
from civtrain.core.models import AuditEvent
from civtrain.organisations.models import OrgNode

ROLES = [
    "city",
    "district",
    "unit_hr",
    "other_city",
    "institution",
    "teacher",
    "evaluator",
    "learner",
    "anonymous",
    "token",
]
NOT_FOUND = {
    "error": {"code": "not_found", "message": "机构不存在或不在您的管辖范围内", "details": {}}
}


def _matrix(statuses: str) -> list[tuple[str, int]]:
    codes = [int(s) for s in statuses.split()]
    assert len(codes) == len(ROLES)
    return list(zip(ROLES, codes, strict=True))


@pytest.fixture
def call(tree: Any, actors: dict[str, Any]) -> dict[str, testing.ApiCaller]:
    return testing.api_callers(tree, actors)


def _tree_state() -> list[tuple[Any, ...]]:
    return list(OrgNode.objects.values_list("code", "name", "path", "depth", "active", "parent"))


def _org_audit_count() -> int:
    return AuditEvent.objects.filter(action__startswith="org.").count()


# Reads: each role sees the subtree it is bound to; the learner is bound to U1.
READS = {
    #         city dist hr  oth inst tch eval lrn anon tok
    "U1": "   200  200  200 404 200  200 200  200 401  200",
    "U2": "   200  404  404 404 200  200 200  404 401  200",
    "U3": "   404  404  404 200 404  404 404  404 401  404",
}


@pytest.mark.parametrize("suffix", ["", "/children"])
@pytest.mark.parametrize(
    ("target", "who", "status"),
    [(t, who, st) for t, row in READS.items() for who, st in _matrix(row)],
)
def test_read_matrix(call: Any, tree: Any, suffix: str, target: str, who: str, status: int) -> None:
    got, body = call[who]("GET", f"/orgs/{tree[target].id}{suffix}")
    assert got == status
    if status == 404:
        assert body == NOT_FOUND
        assert call[who]("GET", f"/orgs/999999{suffix}") == (404, NOT_FOUND)
    if status == 200 and not suffix:
        assert body["code"] == target


LIST_COUNTS = {
    "city": ["C1", "D1", "U1", "U1-1", "D2", "U2"],
    "district": ["D1", "U1", "U1-1"],
    "unit_hr": ["U1", "U1-1"],
    "other_city": ["C2", "U3"],
    "institution": ["C1", "D1", "U1", "U1-1", "D2", "U2"],
    "learner": ["U1", "U1-1"],
    "token": ["C1", "D1", "U1", "U1-1", "D2", "U2"],
}


@pytest.mark.parametrize(("who", "codes"), LIST_COUNTS.items())
def test_list_is_scoped(call: Any, who: str, codes: list[str]) -> None:
    status, body = call[who]("GET", "/orgs")
    assert status == 200
    assert body["count"] == len(codes)
    assert [o["code"] for o in body["items"]] == codes


# Writes: only a city bureau, inside its subtree. A node the actor cannot read is 404;
# one it reads but may not change is 403.
CREATE = {
    #         city dist hr  oth inst tch eval lrn anon tok
    "D1": "   201  403  404 404 403  403 403  404 401  201",
    "D2": "   201  404  404 404 403  403 403  404 401  201",
    "C2": "   404  404  404 201 404  404 404  404 401  404",
}
RENAME = {
    "U1": "   200  403  403 404 403  403 403  403 401  200",
    "U2": "   200  404  404 404 403  403 403  404 401  200",
    "U3": "   404  404  404 200 404  404 404  404 401  404",
}
# Move U1 (visible to D1's bureau and U1's staff) under D2 (visible to neither).
MOVE_U1_TO_D2 = "200 404 404 404 403 403 403 404 401 200"


@pytest.mark.parametrize(
    ("parent", "who", "status"),
    [(p, who, st) for p, row in CREATE.items() for who, st in _matrix(row)],
)
def test_create_matrix(call: Any, tree: Any, parent: str, who: str, status: int) -> None:
    before, audits = _tree_state(), _org_audit_count()
    got, body = call[who](
        "POST",
        "/orgs",
        {"code": "NEW1", "name": "新设单位", "kind": "unit", "parent_id": tree[parent].id},
    )
    assert got == status, body
    if status == 201:
        node = OrgNode.objects.get(code="NEW1")
        assert (node.parent_id, node.name, node.kind) == (tree[parent].id, "新设单位", "unit")
        assert body["ancestors"][-1]["code"] == parent
        assert _org_audit_count() == audits + 1
    else:
        assert _tree_state() == before
        assert _org_audit_count() == audits
        assert set(body) == {"error"}


@pytest.mark.parametrize(
    ("target", "who", "status"),
    [(t, who, st) for t, row in RENAME.items() for who, st in _matrix(row)],
)
def test_rename_matrix(call: Any, tree: Any, target: str, who: str, status: int) -> None:
    before, audits = _tree_state(), _org_audit_count()
    # Deactivation has its own rules (test_deactivate.py): a rename here.
    got, body = call[who]("PATCH", f"/orgs/{tree[target].id}", {"name": "改名后"})
    assert got == status, body
    if status == 200:
        node = OrgNode.objects.get(code=target)
        assert (node.name, node.active) == ("改名后", True)
        event = AuditEvent.objects.get(action="org.update")
        assert event.changes == {"name": [tree[target].name, "改名后"]}
    else:
        assert _tree_state() == before
        assert _org_audit_count() == audits


@pytest.mark.parametrize(("who", "status"), _matrix(MOVE_U1_TO_D2))
def test_move_matrix(call: Any, tree: Any, who: str, status: int) -> None:
    before, audits = _tree_state(), _org_audit_count()
    got, body = call[who]("POST", f"/orgs/{tree['U1'].id}/move", {"parent_id": tree["D2"].id})
    assert got == status, body
    if status == 200:
        assert [a["code"] for a in body["ancestors"]] == ["C1", "D2"]
        assert body["depth"] == 2
        assert OrgNode.objects.get(code="U1-1").path.startswith(OrgNode.objects.get(code="D2").path)
    else:
        assert _tree_state() == before
        assert _org_audit_count() == audits


def test_out_of_scope_and_missing_look_the_same_on_writes(call: Any, tree: Any) -> None:
    out_of_scope = call["city"]("PATCH", f"/orgs/{tree['U3'].id}", {"name": "x"})
    missing = call["city"]("PATCH", "/orgs/987654", {"name": "x"})
    assert out_of_scope == missing == (404, NOT_FOUND)


def test_detail_has_ancestors_and_children_count(call: Any, tree: Any) -> None:
    status, body = call["city"]("GET", f"/orgs/{tree['U1'].id}")
    assert status == 200
    assert body == {
        "id": tree["U1"].id,
        "code": "U1",
        "name": "渝中区人力社保局",
        "kind": "unit",
        "kind_label": "单位",
        "parent_id": tree["D1"].id,
        "depth": 2,
        "active": True,
        "ancestors": [
            {"id": tree["C1"].id, "code": "C1", "name": "重庆市", "kind": "city"},
            {"id": tree["D1"].id, "code": "D1", "name": "渝中区", "kind": "district"},
        ],
        "children_count": 1,
    }


def test_children_are_the_direct_children_only(call: Any, tree: Any) -> None:
    status, body = call["city"]("GET", f"/orgs/{tree['C1'].id}/children")
    assert status == 200
    assert [o["code"] for o in body] == ["D1", "D2"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("?kind=unit", ["U1", "U2"]),
        ("?kind=district", ["D1", "D2"]),
        ("?under=D1", ["D1", "U1", "U1-1"]),
        ("?under=U3", []),  # another city's node: as if it did not exist
        ("?under=NOPE", []),
        ("?q=渝中", ["D1", "U1"]),
        ("?q=u1", ["U1", "U1-1"]),
        ("?under=D1&kind=department", ["U1-1"]),
        ("?active=false", ["D2"]),
        ("?active=true&kind=district", ["D1"]),
    ],
)
def test_list_filters(call: Any, tree: Any, query: str, codes: list[str]) -> None:
    assert call["city"]("PATCH", f"/orgs/{tree['D2'].id}", {"active": False})[0] == 200
    status, body = call["city"]("GET", "/orgs" + query)
    assert status == 200
    assert [o["code"] for o in body["items"]] == codes
    assert body["count"] == len(codes)


def test_under_accepts_an_id(call: Any, tree: Any) -> None:
    _, body = call["city"]("GET", f"/orgs?under={tree['U1'].id}")
    assert [o["code"] for o in body["items"]] == ["U1", "U1-1"]


def test_pagination_counts_everything_and_pages_in_tree_order(call: Any) -> None:
    status, body = call["city"]("GET", "/orgs?limit=2&offset=2")
    assert status == 200
    assert body["count"] == 6
    assert [o["code"] for o in body["items"]] == ["U1", "U1-1"]


@pytest.mark.parametrize("query", ["?limit=0", "?limit=201", "?offset=-1", "?limit=abc"])
def test_page_size_is_limited(call: Any, query: str) -> None:
    status, body = call["city"]("GET", "/orgs" + query)
    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"]["fields"][0]["field"] in ("limit", "offset")


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "x", "kind": "unit", "parent_id": 1}, "code", "必填"),
        ({"code": "A", "name": "x", "kind": "planet", "parent_id": 1}, "kind", "取值应为"),
        ({"code": "A", "name": "x", "kind": "unit", "parent_id": "abc"}, "parent_id", "应为整数"),
        ({"code": "A" * 40, "name": "x", "kind": "unit", "parent_id": 1}, "code", "最多 32"),
        ({"code": "A", "name": "", "kind": "unit", "parent_id": 1}, "name", "至少 1"),
    ],
)
def test_bad_input_names_the_field(
    call: Any, payload: dict[str, Any], field: str, message: str
) -> None:
    before = _tree_state()
    status, body = call["city"]("POST", "/orgs", payload)
    assert status == 422
    fields = body["error"]["details"]["fields"]
    assert fields[0]["field"] == field
    assert message in fields[0]["message"]
    assert body["error"]["message"].startswith("请求数据不正确：")
    assert _tree_state() == before


def test_refusals_from_the_tree_rules_are_structured(call: Any, tree: Any) -> None:
    status, body = call["city"](
        "POST", f"/orgs/{tree['U1'].id}/move", {"parent_id": tree["U1-1"].id}
    )
    assert (status, body["error"]["code"]) == (422, "validation_error")
    assert body["error"]["message"] == "不能把机构移到它自己或它的下级之下"
    status, body = call["city"](
        "POST", "/orgs", {"code": "U1", "name": "重复", "kind": "unit", "parent_id": tree["D1"].id}
    )
    assert (status, body["error"]["message"]) == (422, "编码 U1 已存在")
    status, body = call["city"](
        "POST", "/orgs", {"code": "X", "name": "区", "kind": "district", "parent_id": tree["D1"].id}
    )
    assert (status, body["error"]["message"]) == (422, "“区县”不能设在“区县”之下")


def test_garbage_bodies_are_4xx_not_500(call: Any, tree: Any) -> None:
    for raw in ["{not json", "[]", "null", '"text"', "12", "\xff\xfe"]:
        status, body = call["city"]("POST", "/orgs", raw)
        assert 400 <= status < 500, (raw, status)
        assert set(body["error"]) == {"code", "message", "details"}


def test_list_query_count_does_not_grow_with_rows(call: Any, tree: Any) -> None:
    caller = call["city"]
    caller("GET", "/orgs")  # logs in
    with CaptureQueriesContext(connection) as few:
        assert caller("GET", "/orgs?limit=200")[1]["count"] == 6
    for i in range(20):
        assert (
            caller(
                "POST",
                "/orgs",
                {"code": f"B{i}", "name": f"单位{i}", "kind": "unit", "parent_id": tree["D2"].id},
            )[0]
            == 201
        )
    with CaptureQueriesContext(connection) as many:
        assert caller("GET", "/orgs?limit=200")[1]["count"] == 26
    # 9: a browser session's second factor is checked once a request (django-otp reads the
    # verified device, #17 item 1).
    assert len(many) == len(few) <= 9
