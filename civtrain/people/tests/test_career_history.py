"""A person's attributes on a date, derived from career events (issue #10 items 4 and 5;
REQUIREMENTS §8 "Who is in an audience", "Which set governs"; CQ-T6, CQ-T7, CQ-T4b).

Events record what they set and, when recorded, what they replaced: a transfer its origin
(the import's 原单位编码, else the unit the person was in before), any event the category,
flags, rank and level it changed."""

import datetime as dt
from typing import Any

import pytest

from civtrain.accounts.api import SYSTEM
from civtrain.people.data import attributes_on, unit_on
from civtrain.people.imports import events_import
from civtrain.people.models import CareerEvent, Person
from civtrain.testing import make_id_number, make_person

D = dt.date.fromisoformat
HEADERS = (
    "身份证号,事件类型,日期,职务层次,职级,单位编码,"
    "人员类别,是否基层,是否机关基础岗位,是否行政执法,原单位编码"
)


def csv_file(*lines: str) -> bytes:
    return "\n".join([HEADERS, *lines]).encode("utf-8")


def history(person_id: int) -> list[dict[str, Any]]:
    from civtrain.people.api import EVENT_ROW_FIELDS, career_event_rows

    rows = career_event_rows().filter(person_id=person_id).order_by("date", "id")
    return list(rows.values(*EVENT_ROW_FIELDS))


def registry(person_id: int) -> dict[str, Any]:
    fields = ("unit_id", "category", "rank", "leadership_level", "grassroots", "basic_post",
              "law_enforcement")  # fmt: skip
    return Person.objects.filter(pk=person_id).values(*fields).get()


# -- item 4: category and flags on the date (CQ-T7 双基, CQ-T4b 行政执法, NAT-7 category) -------
# Roster: 综合管理类, no flags. 2019-07-01 类别调整 to 行政执法类 with 行政执法 = 是; 2021-03-01
# transferred to U2 (江北区司法局) as 基层 = 是; 2022-01-01 类别调整: 行政执法 = 否.
ON_THE_DATE = [
    # date, category, grassroots, law_enforcement, unit
    ("2019-06-30", "general", False, False, "U1"),  # the roster's values before any event
    ("2019-07-01", "enforcement", False, True, "U1"),  # the event's own day counts
    ("2021-02-28", "enforcement", False, True, "U1"),
    ("2021-03-01", "enforcement", True, True, "U2"),
    ("2022-01-01", "enforcement", True, False, "U2"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("on", "category", "grassroots", "law", "unit"), ON_THE_DATE)
def test_item4_category_flags_and_unit_on_the_date(
    tree: Any, on: str, category: str, grassroots: bool, law: bool, unit: str
) -> None:
    id_a = make_id_number(dt.date(1985, 5, 1), serial=401)
    p = make_person(tree["U1"], "赵六", id_number=id_a)
    report, _ = events_import(
        csv_file(
            f"{id_a},类别调整,2019-07-01,,,,行政执法类,,,是,",
            f"{id_a},调动,2021-03-01,,,U2,,是,,,",
            f"{id_a},类别调整,2022-01-01,,,,,,,否,",
        ),
        actor=SYSTEM,
        filename="e.csv",
    )
    assert report.errors == []
    now = registry(p.id)  # the registry shows the latest state …
    assert (now["category"], now["grassroots"], now["law_enforcement"]) == (
        "enforcement",
        True,
        False,
    )
    got = attributes_on(now, history(p.id), D(on))  # … the events the state on the date
    assert (got["category"], got["grassroots"], got["law_enforcement"]) == (
        category,
        grassroots,
        law,
    )
    assert got["unit_id"] == tree[unit].id
    assert unit_on(now["unit_id"], history(p.id), D(on)) == tree[unit].id


# -- item 5: a transfer stores its origin ------------------------------------------------------
ORIGINS = [
    # origin cell of the transfer to U3 on 2020-07-01 → stored origin; unit on 2020-06-30
    ("", "U1"),  # blank: the roster's unit before the first transfer
    ("U2", "U2"),  # 原单位编码 given: that unit, whatever the roster said
]


@pytest.mark.django_db
@pytest.mark.parametrize(("cell", "origin"), ORIGINS)
def test_item5_a_transfer_keeps_where_the_person_came_from(
    tree: Any, cell: str, origin: str
) -> None:
    id_a = make_id_number(dt.date(1986, 6, 1), serial=402)
    p = make_person(tree["U1"], "钱七", id_number=id_a)
    report, _ = events_import(
        csv_file(f"{id_a},调动,2020-07-01,,,U3,,,,,{cell}"), actor=SYSTEM, filename="e.csv"
    )
    assert report.errors == []
    event = CareerEvent.objects.get(person_id=p.id)
    assert (event.unit_id, event.from_unit_id) == (tree["U3"].id, tree[origin].id)
    now = registry(p.id)
    assert now["unit_id"] == tree["U3"].id
    assert unit_on(now["unit_id"], history(p.id), D("2020-06-30")) == tree[origin].id
    assert unit_on(now["unit_id"], history(p.id), D("2020-07-01")) == tree["U3"].id


@pytest.mark.django_db
def test_item5_transfers_imported_out_of_order_read_the_same(tree: Any) -> None:
    """Roster U1; transfers U1 → U2 (2019-03-01) and U2 → U3 (2020-07-01), the later one
    imported first: the units on each date are those of the history, not of the order."""
    id_a = make_id_number(dt.date(1987, 7, 1), serial=403)
    p = make_person(tree["U1"], "孙八", id_number=id_a)
    for line in (f"{id_a},调动,2020-07-01,,,U3,,,,,", f"{id_a},调动,2019-03-01,,,U2,,,,,"):
        report, _ = events_import(csv_file(line), actor=SYSTEM, filename="e.csv")
        assert report.errors == []
    now = registry(p.id)
    expected = [("2019-02-28", "U1"), ("2019-03-01", "U2"), ("2020-06-30", "U2"),
                ("2020-07-01", "U3")]  # fmt: skip
    for on, unit in expected:
        assert unit_on(now["unit_id"], history(p.id), D(on)) == tree[unit].id, on
    assert now["unit_id"] == tree["U3"].id


@pytest.mark.django_db
def test_item4_rank_and_level_replaced_are_kept(tree: Any) -> None:
    """A roster 副处 (县处级副职, 四级调研员) promoted to 正处 with 三级调研员 on 2024-06-01,
    no hiring event: in 2023 the person was 副处 with 四级调研员 (what the promotion
    replaced), not without a post."""
    from civtrain.people.data import LeadershipLevel

    id_a = make_id_number(dt.date(1975, 1, 1), serial=404)
    p = make_person(tree["U1"], "周九", id_number=id_a, rank="四级调研员",
                    leadership_level=LeadershipLevel.DIVISION_DEPUTY)  # fmt: skip
    report, _ = events_import(
        csv_file(f"{id_a},晋升,2024-06-01,县处级正职,三级调研员,,,,,,"),
        actor=SYSTEM,
        filename="e.csv",
    )
    assert report.errors == []
    now = registry(p.id)
    before = attributes_on(now, history(p.id), D("2023-12-31"))
    after = attributes_on(now, history(p.id), D("2024-06-01"))
    assert (before["leadership_level"], before["rank"]) == ("division_deputy", "四级调研员")
    assert (after["leadership_level"], after["rank"]) == ("division_chief", "三级调研员")


@pytest.mark.django_db
def test_bad_attribute_and_origin_cells_are_named(tree: Any) -> None:
    id_a = make_id_number(dt.date(1988, 8, 1), serial=405)
    make_person(tree["U1"], "吴十", id_number=id_a)
    data = csv_file(
        f"{id_a},类别调整,2019-07-01,,,,,,,,",  # row 2: changes nothing
        f"{id_a},类别调整,2019-08-01,,,,公安类,,,,",  # row 3: unknown category
        f"{id_a},类别调整,2019-09-01,,,,,也许,,,",  # row 4: not a yes/no
        f"{id_a},职级调整,2020-01-01,,一级科员,,,,,,U2",  # row 5: origin on a non-transfer
        f"{id_a},调动,2020-02-01,,,U2,,,,,X9",  # row 6: unknown origin
        f"{id_a},调动,2020-03-01,,,U2,,,,,U2",  # row 7: origin = destination
    )
    report, _ = events_import(data, actor=SYSTEM, filename="e.csv")
    assert sorted((e.row, e.column) for e in report.errors) == [
        (2, "人员类别"),
        (3, "人员类别"),
        (4, "是否基层"),
        (5, "原单位编码"),
        (6, "原单位编码"),
        (7, "原单位编码"),
    ]
    reasons = {e.row: e.reason for e in report.errors}
    assert reasons[2].startswith("类别调整事件必须注明人员类别或至少一项标识")
    assert reasons[5] == "只有调动事件可以注明原单位"
    assert reasons[6] == "原单位编码不存在"
    assert reasons[7] == "原单位与调入单位相同"
    assert CareerEvent.objects.count() == 0


# -- the pure derivation, without a database ---------------------------------------------------
PERSON = {"unit_id": 1, "category": "general", "rank": "一级科员", "leadership_level": "",
          "grassroots": True, "basic_post": False, "law_enforcement": False}  # fmt: skip
LEGACY = [
    # events recorded before `before` was kept: a later level means no post yet, other
    # attributes stand as the registry says (the earlier reading)
    ([{"kind": "promoted", "date": D("2024-06-01"), "leadership_level": "section_chief"}],
     "2023-01-01", {"leadership_level": ""}),
    ([{"kind": "reclassified", "date": D("2024-06-01"), "basic_post": True}],
     "2023-01-01", {"basic_post": False}),
    # with what it replaced
    ([{"kind": "reclassified", "date": D("2024-06-01"), "grassroots": False,
       "before": {"grassroots": True}}], "2023-01-01", {"grassroots": True}),
    ([{"kind": "reclassified", "date": D("2024-06-01"), "grassroots": False,
       "before": {"grassroots": True}}], "2024-06-01", {"grassroots": False}),
]  # fmt: skip


@pytest.mark.parametrize(("events", "on", "expected"), LEGACY)
def test_attributes_on_reads_what_events_replaced(
    events: list[dict[str, Any]], on: str, expected: dict[str, Any]
) -> None:
    got = attributes_on(PERSON, events, D(on))
    assert {k: got[k] for k in expected} == expected


# -- the same event recorded on the person's page and through the API --------------------------
@pytest.mark.django_db
def test_page_records_a_reclassification_and_a_transfers_origin(
    client: Any, tree: Any, actors: dict[str, Any]
) -> None:
    p = make_person(tree["U1"], "郑一")
    client.force_login(actors["city"])
    url = f"/people/{p.id}/events/"
    client.post(url, {"kind": "reclassified", "date": "2021-01-04", "law_enforcement": "1"})
    client.post(url, {"kind": "transfer", "date": "2022-03-01", "unit": tree["U2"].id,
                      "from_unit": tree["U1"].id})  # fmt: skip
    events = {e.kind: e for e in CareerEvent.objects.filter(person_id=p.id)}
    assert (events["reclassified"].law_enforcement, events["reclassified"].grassroots) == (
        True,
        None,
    )
    assert events["transfer"].from_unit_id == tree["U1"].id
    now = registry(p.id)
    assert (now["law_enforcement"], now["unit_id"]) == (True, tree["U2"].id)
    response = client.post(url, {"kind": "reclassified", "date": "2021-02-01"}, follow=True)
    assert "类别调整事件必须注明人员类别或至少一项标识" in response.content.decode()


@pytest.mark.django_db
def test_api_records_and_answers_the_attributes_an_event_sets(
    tree: Any, actors: dict[str, Any]
) -> None:
    from civtrain.testing import ApiCaller

    p = make_person(tree["U1"], "王二")
    call = ApiCaller(actors["city"])
    status, body = call("POST", f"/people/{p.id}/events",
                        {"kind": "reclassified", "date": "2021-01-04",
                         "category": "enforcement", "law_enforcement": True})  # fmt: skip
    assert status == 201
    assert (body["category"], body["law_enforcement"], body["grassroots"]) == (
        "enforcement",
        True,
        None,
    )
    status, body = call("POST", f"/people/{p.id}/events",
                        {"kind": "rank_change", "date": "2021-02-01", "rank": "一级科员",
                         "from_unit_id": tree["U2"].id})  # fmt: skip
    assert (status, body["error"]["message"]) == (422, "只有调动事件可以注明原单位")
