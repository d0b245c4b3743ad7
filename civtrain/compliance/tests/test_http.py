"""The API and pages show each actor what their scope allows, with the engine's sentences."""

import datetime as dt
import io
from typing import Any

from django.core.management import call_command
from django.test import Client

from civtrain.accounts.api import SYSTEM, User
from civtrain.compliance.tests.ledger_builders import entry
from civtrain.core import clock
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import ApiCaller, make_person


def _people(bound: dict[str, OrgNodeData]) -> tuple[Any, Any]:
    u1 = make_person(bound["U1"], name="渝中甲", law_enforcement=True)
    entry(u1.id, "2018-04-01", hours=62.5, subjects={"law": 20})
    u2 = make_person(bound["U2"], name="江北乙")
    entry(u2.id, "2018-04-01", hours=95, subjects={"ethics": 2})
    return u1, u2


def test_api_people_is_scoped_to_the_actor(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    _people(bound)
    url = "/compliance/people?year=2018&as_of=2018-06-30"
    status, data = ApiCaller(actors["district"])("GET", url)
    assert status == 200
    assert [d["name"] for d in data] == ["渝中甲"]
    law = next(o for o in data[0]["outcomes"] if o["rule"] == "cq-t4b-law")
    assert law["explanation"] == "还差 4 学时法治培训，截止 2018-12-31"
    status, data = ApiCaller(actors["city"])("GET", url)
    assert sorted(d["name"] for d in data) == ["江北乙", "渝中甲"]
    status, data = ApiCaller(actors["other_city"])("GET", url)
    assert (status, data) == (200, [])


def test_api_person_out_of_scope_looks_missing(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    _, u2 = _people(bound)
    status, data = ApiCaller(actors["unit_hr"])("GET", f"/compliance/people/{u2.id}?year=2018")
    assert status == 404
    assert data["error"]["code"] == "not_found"
    status, data = ApiCaller(actors["district"])(
        "GET", f"/compliance/people/{u2.id - 1}?year=2018&as_of=2019-01-01"
    )
    assert status == 200
    # 62.5 of 90 学时 is missed, but the Chongqing text attaches no consequence to it
    # (CQ-M3 names only failed off-the-job training; issue #10 item 2)
    assert data["outcomes"][0]["status"] == "missed"
    assert data["linkage"]["eligible_excellent"] is True
    assert data["linkage"]["grade_deferred"] is False


def test_api_units_gives_completion_and_quota(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    _people(bound)
    status, data = ApiCaller(actors["city"])("GET", "/compliance/units?year=2018&as_of=2018-12-31")
    assert status == 200
    by_code = {u["unit_code"]: u for u in data}
    assert (by_code["U1"]["headcount"], by_code["U1"]["complete"]) == (1, 0)
    # the task is not met, but CQ-M3 cuts no quota (issue #10 item 2)
    assert (by_code["U1"]["task_missed"], by_code["U1"]["quota_pct"]) == (True, 20.0)
    assert (by_code["U2"]["completion_rate"], by_code["U2"]["quota_pct"]) == (1.0, 20.0)
    status, _ = ApiCaller(actors["teacher"])("GET", "/compliance/units?year=2018")
    assert status == 404


def test_schema_is_published(client: Client) -> None:
    response = client.get("/compliance/ruleset.schema.json")
    assert response.status_code == 200
    assert response.json()["title"] == "civtrain rule set"
    status, data = ApiCaller()("GET", "/compliance/schema")
    assert (status, data["title"]) == (200, "civtrain rule set")


def test_hr_page_lists_people_by_risk(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    # the day after the year: §8 "Deadlines", its amounts are missed from this day
    clock.freeze(dt.datetime(2019, 1, 1, 10, 0, tzinfo=clock.TZ))
    _people(bound)
    ok = make_person(bound["U1"], name="达标丙")
    entry(ok.id, "2018-04-01", hours=95, subjects={"ethics": 2})
    client = Client()
    client.force_login(actors["unit_hr"])
    page = client.get("/compliance/?year=2018").content.decode()
    assert page.index("渝中甲") < page.index("达标丙")  # the one who missed comes first
    assert "未按期完成行政执法人员法律知识培训" in page
    assert "江北乙" not in page
    only_missed = client.get("/compliance/?year=2018&risk=complete").content.decode()
    assert "达标丙" in only_missed and "渝中甲" not in only_missed


def test_units_page_aggregates_snapshots_with_drill_down(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    _people(bound)
    call_command("compliance", "--year", "2018", "--as-of", "2018-12-31", "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    client = Client()
    client.force_login(actors["city"])
    page = client.get("/compliance/units/?year=2018").content.decode()
    assert "completion-chart" in page
    assert "渝中区" in page and "江北区" in page
    assert "?unit=D1&year=2018" in page
    drill = client.get("/compliance/units/?year=2018&unit=D1").content.decode()
    assert "渝中区人力社保局" in drill and "江北区司法局" not in drill
    denied = Client()
    denied.force_login(actors["district"])
    assert denied.get("/compliance/units/?year=2018&unit=D2").status_code == 404


def test_learner_home_shows_progress_bars(bound: dict[str, OrgNodeData]) -> None:
    clock.freeze(dt.datetime(2018, 6, 30, 10, 0, tzinfo=clock.TZ))
    u1, _ = _people(bound)
    client = Client()
    client.force_login(User.objects.get(person__pk=u1.id))
    page = client.get("/").content.decode()
    assert 'id="learner-progress"' in page
    assert "62.5 / 90 学时" in page
    assert "20 / 24 学时" in page
    assert "还差 4 学时法治培训，截止 2018-12-31" in page
    # PR-1: chongqing-13fyp credits online courses at 100 % progress only
    assert "网络课程学习进度达到 100% 方计学时，按每 45 分钟 1 学时折算" in page
    assert client.get("/compliance/me/").status_code == 200


def test_city_dashboard_starts_at_the_districts_and_drills_down(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    """Issue 4 §6: city → districts (市直 bureaus folded into one row) → units → divisions."""
    from civtrain.organisations.api import OrgKind, org_by_codes, org_create

    org_create(actor=SYSTEM, code="U9", name="市财政局", kind=OrgKind.UNIT, parent_code="C1")
    org_create(actor=SYSTEM, code="U8", name="市审计局", kind=OrgKind.UNIT, parent_code="C1")
    u9 = org_by_codes(["U9"])["U9"]
    _people(bound)  # 渝中甲 (U1, misses), 江北乙 (U2, complete)
    for name in ("财政甲", "财政乙"):
        p = make_person(u9, name=name)
        entry(p.id, "2018-04-01", hours=95, subjects={"ethics": 2})
    call_command("compliance", "--year", "2018", "--as-of", "2018-12-31", "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    client = Client()
    client.force_login(actors["city"])

    def rows(url: str) -> dict[str, list[str]]:
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        body = html[html.index('id="completion-table"') :]
        out = {}
        for tr in body.split("<tr>")[2:]:
            cells = [c.split("</td>")[0].strip() for c in tr.split("<td")[1:]]
            name = cells[0].split(">", 1)[1].split("<")[0].strip()
            out[name] = [c.split(">", 1)[1] for c in cells[1:4]] + [tr]
        return out

    city = rows("/compliance/units/?year=2018")
    assert set(city) == {"渝中区", "江北区", "市直单位（1 个）"}  # U8 has nobody: no snapshot
    assert city["渝中区"][:3] == ["1", "0", "0.0%"]
    assert city["江北区"][:3] == ["1", "1", "100.0%"]
    assert city["市直单位（1 个）"][:3] == ["2", "2", "100.0%"]
    assert "?unit=D1&year=2018" in city["渝中区"][3]
    assert "?unit=C1&amp;direct=1&amp;year=2018" in city["市直单位（1 个）"][3]

    direct = rows("/compliance/units/?year=2018&unit=C1&direct=1")
    assert set(direct) == {"市财政局"}
    assert direct["市财政局"][:3] == ["2", "2", "100.0%"]

    district = rows("/compliance/units/?year=2018&unit=D1")
    assert set(district) == {"渝中区人力社保局"}
    page = client.get("/compliance/units/?year=2018&unit=D1").content.decode()
    assert 'id="completion-up"' in page and 'href="?unit=C1&amp;year=2018"' in page

    # A district official starts at their district and cannot climb above it.
    district_user = Client()
    district_user.force_login(actors["district"])
    mine = district_user.get("/compliance/units/?year=2018").content.decode()
    assert "渝中区人力社保局" in mine and "completion-up" not in mine
    assert district_user.get("/compliance/units/?year=2018&unit=C1").status_code == 404


def test_api_year_out_of_range_is_a_field_error_not_a_500(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    # #8 item 11: year=0, -1 or 10000 reached dt.date(year, 12, 31) and answered 500.
    u1, _ = _people(bound)
    city = ApiCaller(actors["city"])
    for year in (0, -1, 10000):
        for url in (
            f"/compliance/people?year={year}",
            f"/compliance/people/{u1.id}?year={year}",
            f"/compliance/people/{u1.id}/snapshots?year={year}",
            f"/compliance/units?year={year}",
        ):
            status, body = city("GET", url)
            assert status == 422, url
            assert [f["field"] for f in body["error"]["details"]["fields"]] == ["year"]
    status, body = city("GET", "/compliance/people?year=2018&as_of=0001-01-01")
    assert status == 422
    assert [f["field"] for f in body["error"]["details"]["fields"]] == ["as_of"]


def test_api_unit_filter_outside_scope_answers_like_a_missing_unit(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    # #8 item 2: an existing unit outside the caller's scope answered 200 [] and a missing
    # one 404 naming the code: an oracle for which org codes exist. Now the same bytes.
    u1, _ = _people(bound)
    district = ApiCaller(actors["district"])  # 渝中区: D1, U1
    outside = district("GET", "/compliance/people?year=2018&unit=U2")
    missing = district("GET", "/compliance/people?year=2018&unit=NOSUCHUNIT")
    assert outside == missing == (404, missing[1])
    assert missing[1]["error"] == {
        "code": "not_found",
        "message": "对象不存在或无权访问",
        "details": {},
    }
    assert district("GET", "/compliance/people?year=2018&unit=C2")[0] == 404
    status, data = district("GET", "/compliance/people?year=2018&unit=U1")
    assert (status, [d["name"] for d in data]) == (200, ["渝中甲"])
    # A learner may filter by their own unit or one above it, and nothing else.
    learner = ApiCaller(User.objects.get(pk=u1.user_id))
    for code in ("U1", "D1", "C1"):
        status, data = learner("GET", f"/compliance/people?year=2018&unit={code}")
        assert (status, [d["name"] for d in data]) == (200, ["渝中甲"]), code
    assert learner("GET", "/compliance/people?year=2018&unit=U2") == missing


def test_a_missing_actor_evaluates_no_one(bound: dict[str, Any]) -> None:
    """issue #9 item 5: only the system evaluates everyone; None is no actor, not the CLI."""
    from civtrain.compliance import selectors

    person = make_person(bound["U1"])
    _, everyone = selectors.evaluate(actor=SYSTEM, year=2018)
    assert [r.person_id for r in everyone] == [person.id]
    _, nobody = selectors.evaluate(actor=None, year=2018)  # type: ignore[arg-type]
    assert list(nobody) == []
