"""Schema validation, unit rules (ZZ-T2), consequences (ZZ-M4, CQ-M3, NAT-1, NAT-8),
snapshots, the CLI's JSON and the query count of a set-wise evaluation."""

import copy
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import selectors
from civtrain.compliance.api import person_evaluate, person_reevaluate
from civtrain.compliance.errors import RuleSetInvalid
from civtrain.compliance.models import ComplianceSnapshot
from civtrain.compliance.ruleset import parse_document, read_file, shipped_files
from civtrain.compliance.tests.ledger_builders import entry
from civtrain.compliance.units import unit_summaries
from civtrain.core import clock
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat


# -- schema ------------------------------------------------------------------------------
def _doc() -> dict[str, Any]:
    return read_file(shipped_files()["chongqing-13fyp"])


def test_every_shipped_rule_set_validates_and_cites_a_clause_per_rule() -> None:
    for name, path in shipped_files().items():
        spec = parse_document(read_file(path))
        assert spec.name == name
        assert all(r.clause[:3] in ("CQ-", "ZZ-", "NAT") for r in spec.rules)


BAD = [
    (
        lambda d: d["rules"][0].update(kind="weekly_total"),
        "rules/0/kind：'weekly_total' is not one",
    ),
    (lambda d: d["rules"][0].pop("clause"), "rules/0：'clause' is a required property"),
    (lambda d: d["conversions"].update(minutes_per_hour=55), "conversions/minutes_per_hour"),
    (lambda d: d["rules"][0]["params"].update(min_days=-1), "rules/0/params/min_days"),
    (lambda d: d["rules"][4]["params"].update(subject="astrology"), "未知科目“astrology”"),
    (lambda d: d["rules"][5]["params"].update(modes=["by_pigeon"]), "未知培训方式“by_pigeon”"),
    (lambda d: d["rules"][1].update(id="cq-g1-annual"), "规则编号重复"),
]


@pytest.mark.parametrize(("break_it", "message"), BAD)
def test_schema_rejects_a_bad_rule_file_with_a_clear_message(break_it: Any, message: str) -> None:
    doc = copy.deepcopy(_doc())
    break_it(doc)
    with pytest.raises(RuleSetInvalid) as exc:
        parse_document(doc)
    assert exc.value.message.startswith("规则集文件不符合规范：")
    assert message in exc.value.message


def test_rules_validate_command_reports_the_bad_file(tmp_path: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x-1\nversion: 1\ntitle: t\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(Exception, match="规则集校验未通过"):
        call_command("rules", "validate", str(bad), stderr=err, stdout=io.StringIO())
    assert "✗ bad.yaml: 规则集文件不符合规范：（根）：'effective' is a required property" in (
        err.getvalue()
    )


# -- unit rules: ZZ-T2(1)(2)(3), §8 "Unit-level counts" (issue #10 item 9) -------------------
def _zz_tree() -> dict[str, Any]:
    """郑州 (C2) with a district Z1 (and a unit Z1U under it) beside the city-level unit U3."""
    from civtrain.organisations.api import OrgKind, org_by_codes, org_create

    org_create(actor=SYSTEM, code="Z1", name="金水区", kind=OrgKind.DISTRICT, parent_code="C2")
    org_create(actor=SYSTEM, code="Z1U", name="金水区人社局", kind=OrgKind.UNIT, parent_code="Z1")
    return org_by_codes()


def _held_class(org: Any, subjects: dict[str, float], end: str, held: bool = True) -> Any:
    from decimal import Decimal

    from civtrain.accounts.api import Role
    from civtrain.classes.api import ClassStatus, class_transition
    from civtrain.testing import make_class, make_institution, make_user

    actor = make_user(Role.CITY_BUREAU, org)
    inst = make_institution(org, recognised_from=D("2014-01-01"), recognised_to=D("2016-12-31"))
    day = D(end)
    tc = make_class(actor, org, inst.id, start_date=day, end_date=day, days=Decimal(1),
                    total_hours=Decimal(8), training_type="in_service",
                    subject_hours={k: Decimal(str(v)) for k, v in subjects.items()})  # fmt: skip
    if held:
        for to in (ClassStatus.OPEN, ClassStatus.RUNNING):
            class_transition(actor=actor, class_id=tc.id, to=to)
    return tc


ZZ_T2 = [
    # node, its role, classes it organised: (subjects, held?) → theory, writing, lecture
    # counts and statuses as of 2016-01-01. Each rule: districts and city-level units.
    ("U3", [({"theory": 3}, True)] * 5 + [({"writing": 2}, True)] * 3
     + [({"lecture_series": 2}, True)], (5, "met"), (3, "met"), (1, "met")),
    ("U3", [({"theory": 3}, True)] * 4 + [({"theory": 3}, False)],
     (4, "missed"), (0, "missed"), (0, "missed")),  # a class never held does not count
    ("Z1", [({"theory": 2, "writing": 2}, True)] * 3,
     (3, "missed"), (3, "met"), (0, "missed")),
]  # fmt: skip


@pytest.mark.parametrize(("node", "classes", "theory", "writing", "lecture"), ZZ_T2)
def test_zz_t2_counts_the_classes_a_district_or_city_unit_organised(
    bound: dict[str, OrgNodeData],
    node: str,
    classes: list[tuple[dict[str, float], bool]],
    theory: tuple[int, str],
    writing: tuple[int, str],
    lecture: tuple[int, str],
) -> None:
    tree = _zz_tree()
    for subjects, held in classes:
        _held_class(tree[node], subjects, "2015-05-08", held)
    # Staff of U3 attending a theory class elsewhere (organised by the district unit Z1U)
    # add nothing to U3's count, nor to Z1U's (a unit under a district is not named).
    other = _held_class(tree["Z1U"], {"theory": 3}, "2015-06-05")
    p = make_person(tree["U3"])
    entry(p.id, "2015-06-05", hours=3, subjects={"theory": 3}, source_type="class",
          source_ref=f"class:{other.id}:enrolment:1")  # fmt: skip
    ev, results = selectors.evaluate(actor=SYSTEM, year=2015, as_of=D("2016-01-01"))
    summaries = {s.unit_code: s for s in unit_summaries(ev, list(results))}
    got = {o.rule: (o.achieved, o.status) for o in summaries[node].unit_outcomes}
    assert got == {"zz-t2-theory": theory, "zz-t2-writing": writing, "zz-t2-lecture": lecture}
    assert "Z1U" not in summaries or not summaries["Z1U"].unit_outcomes
    clause = {o.rule: o.clause for o in summaries[node].unit_outcomes}
    assert clause["zz-t2-theory"] == "ZZ-T2(1)"


def test_zz_t2_explains_the_gap(bound: dict[str, OrgNodeData]) -> None:
    tree = _zz_tree()
    for _ in range(4):
        _held_class(tree["U3"], {"theory": 3}, "2015-05-08")
    ev, results = selectors.evaluate(actor=SYSTEM, year=2015, as_of=D("2016-01-01"))
    u3 = {s.unit_code: s for s in unit_summaries(ev, list(results))}["U3"]
    theory = next(o for o in u3.unit_outcomes if o.rule == "zz-t2-theory")
    assert theory.explanation == (
        "未按期完成基本理论素养专题培训场次：截至 2015-12-31 为 4 / 5 次，差 1 次理论专题培训"
    )
    assert u3.task_missed is True


def test_cli_units_lists_districts_with_their_own_outcome(bound: dict[str, OrgNodeData]) -> None:
    tree = _zz_tree()
    _held_class(tree["Z1"], {"lecture_series": 2}, "2015-05-08")
    out = io.StringIO()
    call_command("compliance", "--year", "2015", "--as-of", "2016-01-01", "--units",
                 stdout=out)  # fmt: skip
    rows = {r["unit_code"]: r for r in json.loads(out.getvalue())}
    z1 = {o["rule"]: (o["achieved"], o["status"]) for o in rows["Z1"]["unit_outcomes"]}
    assert z1["zz-t2-lecture"] == (1, "met")
    assert rows["Z1"]["headcount"] == 0


# -- consequences (issue #10 item 2; REQUIREMENTS ZZ-M4, CQ-M3, §8) -----------------------
ZZ_EXAM = {"source_type": "exam", "result": "passed", "source_ref": "exam:year-end-test:1",
           "hours": 1, "mode": "online", "title": "年终网上测试"}  # fmt: skip
CONSEQUENCES = [
    # (unit, year, entries, eligible_excellent, grade_deferred, reasons) — as of the day
    # after the year, when the annual amounts are due.
    # ZZ-M4 "没有参加…培训…不得评先评优，并缓定当年年度考核等次": 120 of 170 学时 (ZZ-G1)
    # (119 + the test's 1 学时 = 120)
    ("U3", 2015, [{"hours": 119}, ZZ_EXAM], False, True,
     ("未按期完成年度学习学时（含脱产培训及网络培训）：截至 2015-12-31 为 120 / 170 学时，"
      "差 50 学时培训",)),
    ("U3", 2015, [{"hours": 169}, ZZ_EXAM], True, False, ()),
    # ZZ-M4 "培训结业考试、考核不合格…": any failed completion exam or assessment, even
    # online and with every hour done → not 优秀 and the grade deferred
    ("U3", 2015, [{"hours": 169}, ZZ_EXAM,
                  {"hours": 6, "mode": "online", "result": "failed", "title": "网络专题班"}],
     False, True, ("培训结业考试、考核不合格：网络专题班",)),
    # CQ-M3 "对脱产培训考核不合格的，年度考核不得确定为优秀等次": off-the-job only, no deferral
    ("U1", 2018, [{"hours": 95, "subjects": {"ethics": 2}},
                  {"days": 5, "result": "failed", "title": "依法行政专题培训班"}],
     False, False, ("脱产培训考核不合格：依法行政专题培训班",)),
    ("U1", 2018, [{"hours": 95, "subjects": {"ethics": 2}},
                  {"days": 5, "mode": "online", "result": "failed", "title": "网络专题班"}],
     True, False, ()),
    # The Chongqing text attaches nothing to missing the 12 days / 90 学时 (CQ-G1): the
    # outcome is missed, the person stays eligible and the grade is not deferred.
    ("U1", 2018, [{"hours": 62.5, "subjects": {"ethics": 2}}], True, False, ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "year", "entries", "eligible", "deferred", "reasons"), CONSEQUENCES
)
def test_consequences_are_the_ones_each_text_states(
    bound: dict[str, OrgNodeData],
    unit: str,
    year: int,
    entries: list[dict[str, Any]],
    eligible: bool,
    deferred: bool,
    reasons: tuple[str, ...],
) -> None:
    p = make_person(bound[unit])
    for e in entries:
        entry(p.id, f"{year}-06-01", **e)
    r = person_evaluate(p.id, year=year, as_of=dt.date(year + 1, 1, 1))
    assert (r.linkage.eligible_excellent, r.linkage.grade_deferred) == (eligible, deferred)
    assert r.linkage.appointment_blocked is False
    assert r.linkage.reasons == reasons


def test_failed_assessment_counts_from_its_date_and_is_stored(
    bound: dict[str, OrgNodeData],
) -> None:
    """CQ-M3: known from the entry's date on; the snapshot keeps the reason."""
    p = make_person(bound["U1"])
    entry(p.id, "2018-05-01", hours=95, subjects={"ethics": 2})
    entry(p.id, "2018-09-30", days=5, result="failed", title="依法行政专题培训班")
    before = person_evaluate(p.id, year=2018, as_of=D("2018-09-29"))
    assert (before.linkage.eligible_excellent, before.linkage.reasons) == (True, ())
    r = person_evaluate(p.id, year=2018, as_of=D("2018-09-30"))
    assert r.linkage.as_json()["reasons"] == ["脱产培训考核不合格：依法行政专题培训班"]
    call_command("compliance", "--year", "2018", "--as-of", "2018-12-31", "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    snap = ComplianceSnapshot.objects.get(person_id=p.id, is_latest=True)
    assert (snap.eligible_excellent, snap.grade_deferred) == (False, False)
    assert snap.linkage["reasons"] == ["脱产培训考核不合格：依法行政专题培训班"]


def test_a_reversed_failed_assessment_no_longer_blocks_excellent(
    bound: dict[str, OrgNodeData],
) -> None:
    from civtrain.compliance.tests.ledger_builders import reverse

    p = make_person(bound["U3"])  # 郑州 (ZZ-M4)
    failed = entry(p.id, "2015-06-01", days=3, result="failed", title="公文写作班")
    r = person_evaluate(p.id, year=2015, as_of=D("2015-12-31"))
    assert r.linkage.reasons[-1] == "培训结业考试、考核不合格：公文写作班"
    reverse(failed.id)
    r = person_evaluate(p.id, year=2015, as_of=D("2015-12-31"))
    assert "培训结业考试、考核不合格：公文写作班" not in r.linkage.reasons


def test_unit_quota_is_cut_only_where_the_text_cuts_it(bound: dict[str, OrgNodeData]) -> None:
    # ZZ-M4 核减该单位年度考核的优秀比例 (the size, 5 points, a marked local choice):
    # U3 (郑州), 10 people, 9 complete (90 % < 95 %) → 20 % − 5 = 15 % → 1 of 10 may be 优秀.
    # CQ-M3 cuts no quota: U1 (重庆) likewise 9 of 10 → task not met, quota stays 20 % → 2.
    for i in range(10):
        p = make_person(bound["U3"], name=f"郑{i}")
        entry(p.id, "2015-05-01", hours=169 if i else 45)  # + the test's 1 学时
        entry(p.id, "2015-11-01", **ZZ_EXAM)
    for i in range(10):
        p = make_person(bound["U1"], name=f"渝{i}")
        entry(p.id, "2018-05-01", hours=90 if i else 45, subjects={"ethics": 2})
    ev, results = selectors.evaluate(actor=SYSTEM, year=2015, as_of=D("2016-01-01"))
    zz = {x.unit_code: x for x in unit_summaries(ev, list(results))}["U3"]
    assert (zz.headcount, zz.complete, zz.completion_rate) == (10, 9, 0.9)
    assert (zz.task_missed, zz.quota_pct, zz.quota_cut_pct, zz.excellent_quota) == (
        True, 15.0, 5.0, 1)  # fmt: skip
    assert zz.reasons[0] == "培训完成率 90.0% 低于 95%"
    ev, results = selectors.evaluate(actor=SYSTEM, year=2018, as_of=D("2019-01-01"))
    cq = {x.unit_code: x for x in unit_summaries(ev, list(results))}["U1"]
    assert (cq.headcount, cq.complete, cq.task_missed) == (10, 9, True)
    assert (cq.quota_pct, cq.quota_cut_pct, cq.excellent_quota) == (20.0, 0.0, 2)
    assert cq.quota_max_pct == 25.0


def test_shipped_sets_mark_every_number_no_text_gives() -> None:
    """§8 "Consequences belong to the text that states them": the numbers issue #10 item 2
    names (quota cut, task threshold, 8 学时 a day, 45-minute 学时, NAT-2's days) are
    listed as local choices with a reason; Chongqing carries no consequence but CQ-M3's."""
    specs = {name: parse_document(read_file(p)) for name, p in shipped_files().items()}
    zz, cq, nat = specs["zhengzhou-2014"], specs["chongqing-13fyp"], specs["national-2023"]
    assert {"conversions.minutes_per_hour", "conversions.hours_per_day",
            "assessment.quota_cut_pct", "assessment.unit_task_min_completion"} <= set(
        zz.local_choices)  # fmt: skip
    assert {"conversions.minutes_per_hour", "assessment.unit_task_min_completion"} <= set(
        cq.local_choices
    )
    assert {"rules.nat-2-appointment.params.min_days", "assessment.quota_cut_pct",
            "conversions.minutes_per_hour"} <= set(nat.local_choices)  # fmt: skip
    assert [r.consequences for r in cq.rules] == [()] * len(cq.rules)
    assert "quota_cut_pct" not in cq.assessment
    assert (cq.failed_training.clause, cq.failed_training.modes) == ("CQ-M3", {"off_the_job"})
    assert cq.failed_training.consequences == ("no_excellent",)
    assert (zz.failed_training.clause, zz.failed_training.modes) == ("ZZ-M4", frozenset())
    assert zz.failed_training.consequences == ("no_excellent", "grade_deferred")
    # every rule consequence is either stated by its clause's text or a marked choice
    for spec, stated in ((zz, {"zz-g1-annual"}), (nat, {"nat-1-initial"})):
        for r in spec.rules:
            if r.consequences and r.id not in stated:
                assert f"rules.{r.id}.consequences" in spec.local_choices, r.id


def test_a_local_choice_must_name_something_in_the_file() -> None:
    doc = _doc()
    doc["local_choices"] = {"assessment.quota_cut": "typo"}
    with pytest.raises(RuleSetInvalid) as exc:
        parse_document(doc)
    assert "local_choices：“assessment.quota_cut”不是本文件中的参数或后果" in exc.value.message


# -- snapshots -------------------------------------------------------------------------------
def test_reevaluation_stores_a_snapshot_of_that_person_only(bound: dict[str, OrgNodeData]) -> None:
    a = make_person(bound["U1"], name="甲")
    b = make_person(bound["U1"], name="乙")
    call_command("compliance", "--year", "2018", "--as-of", "2019-01-01", "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert ComplianceSnapshot.objects.filter(is_latest=True).count() == 2
    entry(a.id, "2018-06-01", hours=90, subjects={"ethics": 1})
    person_reevaluate(a.id, year=2018, as_of=D("2019-01-01"))
    latest = {s.person_id: s for s in ComplianceSnapshot.objects.filter(is_latest=True)}
    assert latest[a.id].complete is True
    assert latest[b.id].complete is False
    assert ComplianceSnapshot.objects.filter(person_id=b.id).count() == 1
    history = ComplianceSnapshot.objects.filter(person_id=a.id).order_by("computed_at", "id")
    assert [s.complete for s in history] == [False, True]
    old = history[0].outcomes
    g1 = next(o for o in old if o["rule"] == "cq-g1-annual")
    assert g1["explanation"] == (
        "未按期完成年度培训：截至 2018-12-31 为 0 / 90 学时，差 90 学时培训（或累计 12 天）"
    )


def test_reevaluate_defaults_to_this_year_and_today(bound: dict[str, OrgNodeData]) -> None:
    clock.freeze(dt.datetime(2019, 5, 1, 10, tzinfo=clock.TZ))
    p = make_person(bound["U1"])
    r = person_reevaluate(p.id)
    assert (r.year, r.as_of) == (2019, D("2019-05-01"))
    assert pick_status(r, "cq-g1-annual") == "not_yet"


def pick_status(r: Any, rule: str) -> str:
    return next(o.status for o in r.outcomes if o.rule == rule)


# -- CLI ---------------------------------------------------------------------------------------
def test_cli_json_is_exactly_the_documented_shape(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"], name="王五", law_enforcement=True)
    entry(p.id, "2018-04-01", hours=40, subjects={"law": 20})
    make_person(bound["U3"], name="郑州人")  # outside --unit D1
    out = io.StringIO()
    call_command("compliance", "--year", "2018", "--unit", "D1", "--as-of", "2018-06-30",
                 "--format", "json", stdout=out)  # fmt: skip
    data = json.loads(out.getvalue())
    assert isinstance(data, list)
    assert [d["name"] for d in data] == ["王五"]
    person = data[0]
    assert set(person) == {
        "name", "id_number_masked", "unit_code", "outcomes", "linkage", "credits"
    }  # fmt: skip
    assert person["credits"] is None  # issue #10 item 12: chongqing-13fyp has no 学分制
    # issue #10 item 13: the consequences, as the page and the API show them
    assert person["linkage"] == {
        "eligible_excellent": True,
        "grade_deferred": False,
        "appointment_blocked": False,
        "complete": False,
        "reasons": [],
    }
    assert person["unit_code"] == "U1"
    assert person["id_number_masked"] == p.id_number_masked
    law = next(o for o in person["outcomes"] if o["rule"] == "cq-t4b-law")
    assert {
        k: law[k]
        for k in (
            "rule",
            "clause",
            "required",
            "achieved",
            "unit",
            "status",
            "deadline",
            "explanation",
        )
    } == {
        "rule": "cq-t4b-law",
        "clause": "CQ-T4b",
        "required": 24.0,
        "achieved": 20.0,
        "unit": "学时",
        "status": "not_yet",
        "deadline": "2018-12-31",
        "explanation": "还差 4 学时法治培训，截止 2018-12-31",
    }
    for o in person["outcomes"]:
        assert o["status"] in ("met", "not_yet", "missed", "not_applicable")


def test_cli_xlsx_and_forms(bound: dict[str, OrgNodeData], tmp_path: Any) -> None:
    from openpyxl import load_workbook

    p = make_person(bound["U1"], name="赵六")
    entry(p.id, "2018-05-31", days=10, start_date="2018-05-20", title="处级干部进修班")
    entry(p.id, "2018-12-20", days=70, start_date="2018-09-10", title="中青班")
    entry(p.id, "2018-07-01", hours=20, mode="online", title="网络课程")
    out = tmp_path / "a.xlsx"
    call_command("compliance", "--year", "2018", "--form", "assessment", "--out", str(out),
                 stderr=io.StringIO())  # fmt: skip
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "身份证号", "单位", "培训名称")
    assert [r[3] for r in rows[1:]] == ["处级干部进修班", "中青班"]  # off-the-job only
    # Days recorded only: 学时 converted with chongqing-13fyp's 7.5 a day and marked so
    # (REQUIREMENTS §8, issue #10 item 6).
    assert [(r[7], r[8]) for r in rows[1:]] == [("10", "75（折算）"), ("70", "525（折算）")]
    out2 = tmp_path / "b.xlsx"
    call_command("compliance", "--year", "2018", "--form", "appointment", "--out", str(out2),
                 stderr=io.StringIO())  # fmt: skip
    rows = list(load_workbook(out2).active.iter_rows(values_only=True))
    assert [(r[3], r[4]) for r in rows[1:]] == [("2018-09-10—2018-12-20", "中青班")]
    out3 = tmp_path / "c.xlsx"
    call_command("compliance", "--year", "2018", "--format", "xlsx", "--out", str(out3),
                 stderr=io.StringIO())  # fmt: skip
    rows = list(load_workbook(out3).active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and any(r[4] == "CQ-G1" for r in rows[1:])


def test_forms_name_a_department_with_its_unit(
    bound: dict[str, OrgNodeData], tmp_path: Any
) -> None:
    """年度考核登记表 and 干部任免审批表 name units as pages do (#11 item 3): every bureau has
    an 办公室, so a department alone says nothing on a form."""
    from openpyxl import load_workbook

    p = make_person(bound["U1-1"], name="钱七")
    entry(p.id, "2018-12-20", days=70, start_date="2018-09-10", title="中青班")
    for form in ("assessment", "appointment"):
        out = tmp_path / f"{form}.xlsx"
        call_command("compliance", "--year", "2018", "--form", form, "--out", str(out),
                     stderr=io.StringIO())  # fmt: skip
        rows = list(load_workbook(out).active.iter_rows(values_only=True))
        assert [r[2] for r in rows[1:]] == ["渝中区人力社保局 · 办公室"], form


# -- set-wise: the number of queries does not grow with the population ------------------------
def test_query_count_does_not_depend_on_population(bound: dict[str, OrgNodeData]) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _, results = selectors.evaluate(actor=SYSTEM, year=2018, as_of=D("2018-12-31"))
            list(results)
        return len(ctx.captured_queries)

    for i in range(3):
        p = make_person(bound["U1"], name=f"甲{i}", law_enforcement=True)
        entry(p.id, "2018-05-01", hours=30, subjects={"law": 5})
    count_queries()  # the bindings, read once and cached
    small = count_queries()
    for i in range(30):
        p = make_person(bound["U2"], name=f"乙{i}", grassroots=True)
        entry(p.id, "2018-05-01", hours=30, subjects={"law": 5, "ethics": 1})
    assert count_queries() == small


def test_hours_per_day_for_follows_the_bound_set(bound: dict[str, OrgNodeData]) -> None:
    from civtrain.compliance.api import hours_per_day_for

    cq = make_person(bound["U1"])
    zz = make_person(bound["U3"])
    assert hours_per_day_for(cq.id, D("2018-05-01")) == 7.5
    assert hours_per_day_for(zz.id, D("2015-05-01")) == 8.0
    assert hours_per_day_for(cq.id, D("2021-05-01")) is None


def test_reevaluating_one_person_is_a_fixed_handful_of_queries(
    bound: dict[str, OrgNodeData],
) -> None:
    p = make_person(bound["U1"], law_enforcement=True)
    entry(p.id, "2018-06-01", hours=30, subjects={"law": 5})
    for i in range(20):  # other people must not make it slower
        make_person(bound["U2"], name=f"乙{i}")
    with CaptureQueriesContext(connection) as ctx:
        person_reevaluate(p.id, year=2018, as_of=D("2018-12-31"))
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) <= 14, "\n".join(sql)


def test_rules_commands_load_list_show_bind(tree: dict[str, OrgNodeData]) -> None:
    out = io.StringIO()
    call_command("rules", "validate", stdout=out)
    assert "✓ chongqing-13fyp.yaml: chongqing-13fyp@4，7 条规则" in out.getvalue()
    out = io.StringIO()
    call_command("rules", "load", "zhengzhou-2014", stdout=out)
    assert out.getvalue().startswith("载入 zhengzhou-2014@5")
    out = io.StringIO()
    call_command("rules", "load", "zhengzhou-2014", stdout=out)
    assert out.getvalue().startswith("已存在 zhengzhou-2014@5")
    call_command("rules", "bind", "zhengzhou-2014", "--org", "C2", "--from", "2014-01-01",
                 "--to", "2016-12-31", stdout=io.StringIO())  # fmt: skip
    out = io.StringIO()
    call_command("rules", "list", stdout=out)
    assert "绑定 zhengzhou-2014@5" in out.getvalue() and "C2（郑州市）" in out.getvalue()
    out = io.StringIO()
    call_command("rules", "show", "zhengzhou-2014", stdout=out)
    assert json.loads(out.getvalue())["rules"][0]["clause"] == "ZZ-G1"
    with pytest.raises(Exception, match="组织机构编码 NOPE 不存在"):
        call_command("rules", "bind", "zhengzhou-2014", "--org", "NOPE", "--from", "2014-01-01")


def test_changed_file_under_the_same_version_is_refused(tree: dict[str, OrgNodeData]) -> None:
    from civtrain.compliance.services import ruleset_load
    from civtrain.core.errors import ApplicationError

    doc = _doc()
    ruleset_load(actor=SYSTEM, document=doc)
    doc["rules"][0]["params"]["min_hours"] = 80
    with pytest.raises(ApplicationError, match="已载入且内容不同"):
        ruleset_load(actor=SYSTEM, document=doc)


def test_cli_table_and_csv(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"], name="钱七")
    entry(p.id, "2018-04-01", hours=90, subjects={"ethics": 1})
    out = io.StringIO()
    call_command("compliance", "--year", "2018", "--as-of", "2018-12-31", stdout=out)
    assert f"钱七 {p.id_number_masked} U1 chongqing-13fyp@4" in out.getvalue()
    assert "[已完成] CQ-G1     年度培训：已完成年度培训：90 / 90 学时" in out.getvalue()
    out = io.StringIO()
    call_command("compliance", "--year", "2018", "--as-of", "2018-12-31", "--format", "csv",
                 stdout=out)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("name,id_number_masked,unit_code,rule,clause")
    assert f"钱七,{p.id_number_masked},U1,cq-g1-annual,CQ-G1,90,90,学时,met,2018-12-31," in (
        out.getvalue()
    )


# -- the engine's parts (issue #9 item 6): reads, then a pure evaluation --------------------
def test_the_evaluator_touches_no_database_and_answers_as_the_engine(
    bound: dict[str, OrgNodeData],
) -> None:
    from civtrain.compliance.bindings import stored_bindings
    from civtrain.compliance.engine import Engine
    from civtrain.compliance.reads import fetch
    from civtrain.people.api import person_rows

    law = make_person(bound["U1"], name="甲", law_enforcement=True)
    entry(law.id, "2018-05-01", hours=30, subjects={"law": 5})
    short = make_person(bound["U2"], name="乙", grassroots=True)
    entry(short.id, "2018-05-01", hours=3)
    engine = Engine(year=2018, as_of=D("2019-01-01"), bindings=stored_bindings())
    expected = list(engine.people(None))
    data = fetch(engine.evaluator, person_rows(), None, law.id, short.id)
    with CaptureQueriesContext(connection) as ctx:
        results = engine.evaluator.evaluate_chunk(data)
    assert ctx.captured_queries == []
    assert results == expected
    assert [r.person_id for r in results] == [law.id, short.id]
    assert "missed" in {o.status for r in results for o in r.outcomes}
