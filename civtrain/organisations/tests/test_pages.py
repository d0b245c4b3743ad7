"""Organisation tree pages (CQ-O2): subtree people counts aggregated in SQL, lazy children,
node detail, and the city bureau's create / rename / deactivate / move forms."""

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civtrain import testing
from civtrain.accounts.api import SYSTEM
from civtrain.organisations.api import OrgKind, org_by_codes, org_create


def _count(body: str, code: str) -> str:
    row = body[body.index(f'data-org="{code}"') :]
    start = row.index("org-people")
    start = row.index("</i>", start) + len("</i>")
    return row[start : row.index("<", start)]


def test_tree_shows_roots_with_subtree_people_counts(
    client: Client, tree: Any, actors: Any
) -> None:
    testing.make_person(tree["U1"], name="甲")
    testing.make_person(tree["U1-1"], name="乙")
    testing.make_person(tree["U2"], name="丙")
    testing.make_person(tree["U3"], name="丁")
    client.force_login(actors["city"])
    body = client.get("/orgs/").content.decode()
    assert _count(body, "C1") == "3"
    assert 'data-org="C2"' not in body and 'data-org="D1"' not in body  # children load lazily


def test_children_endpoint_counts_each_child_subtree(
    client: Client, tree: Any, actors: Any
) -> None:
    testing.make_person(tree["U1"], name="甲")
    testing.make_person(tree["U1-1"], name="乙")
    testing.make_person(tree["U2"], name="丙")
    client.force_login(actors["city"])
    body = client.get(f"/orgs/{tree['C1'].id}/children/").content.decode()
    assert (_count(body, "D1"), _count(body, "D2")) == ("2", "1")
    assert "<html" not in body
    body = client.get(f"/orgs/{tree['D1'].id}/children/").content.decode()
    assert _count(body, "U1") == "2"


def test_children_query_count_does_not_grow_with_nodes(
    client: Client, tree: Any, actors: Any
) -> None:
    client.force_login(actors["city"])
    url = f"/orgs/{tree['D2'].id}/children/"
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(12):
        org_create(
            actor=SYSTEM, code=f"X{i}", name=f"新单位{i}", kind=OrgKind.UNIT, parent_code="D2"
        )
        testing.make_person(org_by_codes([f"X{i}"])[f"X{i}"], name=f"人{i}")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("data-org=") == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_shows_breadcrumb_children_and_people_link(
    client: Client, tree: Any, actors: Any
) -> None:
    testing.make_person(tree["U1-1"], name="乙")
    client.force_login(actors["unit_hr"])
    body = client.get(f"/orgs/{tree['U1'].id}/").content.decode()
    # The unit HR officer sees the names of the city and district above, without links.
    crumbs = body[body.index('class="breadcrumb"') : body.index("</ol>")]
    assert "重庆市" in crumbs and "渝中区" in crumbs and f"/orgs/{tree['D1'].id}/" not in crumbs
    assert 'data-org="U1-1"' in body
    assert f"/people/?unit={tree['U1'].id}" in body
    assert '<dd class="col-7" id="node-people">1</dd>' in body
    assert 'id="org-edit"' not in body  # only the city bureau changes the tree


def test_city_bureau_creates_renames_deactivates_and_moves(
    client: Client, tree: Any, actors: Any
) -> None:
    client.force_login(actors["city"])
    response = client.post(
        f"/orgs/{tree['D1'].id}/create/",
        {"new-code": "U9", "new-name": "渝中区财政局", "new-kind": "unit"},
    )
    created = org_by_codes(["U9"])["U9"]
    assert response["Location"] == f"/orgs/{created.id}/"
    assert created.parent_id == tree["D1"].id

    client.post(f"/orgs/{created.id}/edit/", {"name": "渝中区财政局（新）"})
    renamed = org_by_codes(["U9"])["U9"]
    assert (renamed.name, renamed.active) == ("渝中区财政局（新）", False)

    client.post(f"/orgs/{tree['U1'].id}/move/", {"new_parent_code": "D2"})
    moved = org_by_codes(["U1", "U1-1", "D2"])
    assert moved["U1"].parent_id == moved["D2"].id
    assert moved["U1-1"].path.startswith(moved["D2"].path)


def test_move_into_own_subtree_is_refused_with_a_message(
    client: Client, tree: Any, actors: Any
) -> None:
    client.force_login(actors["city"])
    response = client.post(f"/orgs/{tree['U1'].id}/move/", {"new_parent_code": "U1-1"}, follow=True)
    assert "不能把机构移到它自己或它的下级之下" in response.content.decode()
    assert org_by_codes(["U1"])["U1"].parent_id == tree["D1"].id


def test_district_and_unit_staff_cannot_change_the_tree(
    client: Client, tree: Any, actors: Any
) -> None:
    for role in ("district", "unit_hr"):
        client.force_login(actors[role])
        assert client.post(f"/orgs/{tree['U1'].id}/edit/", {"name": "改"}).status_code == 403
        response = client.post(
            f"/orgs/{tree['U1'].id}/create/",
            {"new-code": "Z1", "new-name": "某", "new-kind": "department"},
        )
        assert response.status_code == 403
    assert org_by_codes(["U1"])["U1"].name == "渝中区人力社保局"
    assert "Z1" not in org_by_codes(["Z1"])


def test_city_bureau_cannot_move_into_another_city(client: Client, tree: Any, actors: Any) -> None:
    client.force_login(actors["city"])
    response = client.post(f"/orgs/{tree['U1'].id}/move/", {"new_parent_code": "C2"}, follow=True)
    assert "不存在或不在您的管辖范围内" in response.content.decode()
    assert org_by_codes(["U1"])["U1"].parent_id == tree["D1"].id
