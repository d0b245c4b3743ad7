"""One governing-set resolver (issue #9 item 1; REQUIREMENTS §8 "Which set governs"): the
engine, the ledger's conversions and the public API give the same answer."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from civtrain import testing
from civtrain.accounts.api import SYSTEM
from civtrain.compliance import api, bindings, conversions, services
from civtrain.compliance.errors import ComplianceErrorCode
from civtrain.compliance.models import RuleSet, RuleSetBinding
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.compliance.selectors import evaluate
from civtrain.compliance.tests.ledger_builders import event
from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.organisations.api import OrgNodeData

D = dt.date.fromisoformat


def _load_all() -> dict[str, RuleSet]:
    for path in shipped_files().values():
        services.ruleset_load(actor=SYSTEM, document=read_file(path))
    return {r.name: r for r in RuleSet.objects.all()}


def _legacy_binding(ruleset: RuleSet, org: OrgNodeData, start: str, end: str | None) -> None:
    """A binding stored before ruleset_bind checked periods (the service now refuses it)."""
    RuleSetBinding.objects.create(
        ruleset=ruleset,
        org_id=org.id,
        valid_from=D(start),
        valid_to=D(end) if end else None,
        created_at=clock.now(),
    )
    conversions.cache_clear()


def _answers(person_id: int, on: dt.date) -> dict[str, Any]:
    """What every caller says governs the person on `on`."""
    _, results = evaluate(actor=SYSTEM, year=on.year, as_of=on, person_ids=[person_id])
    (result,) = list(results)
    found = bindings.governing(person_id, on)
    return {
        "engine": result.ruleset,
        "resolver": found.spec.label if found else "",
        "api": api.ruleset_governing(person_id, on),
        "hours_per_day": conversions.hours_per_day(person_id, on),
        "crediting": conversions.crediting_for(person_id, on),
    }


def test_national_city_and_ended_chongqing_district_give_one_answer(
    tree: dict[str, OrgNodeData],
) -> None:
    # issue #9's case: the city C1 bound to national-2023 from 2023, its district D1 bound
    # open-ended to chongqing-13fyp (a set whose own period is 2016–2020). In 2024 the
    # district's binding is outside its set's period, so the city's national-2023 governs
    # a D1 person — for the engine, the conversions (PR-1 length bands: a 20-minute course
    # earns 0.5 学时, not 20/45) and the API alike.
    sets = _load_all()
    services.ruleset_bind(actor=SYSTEM, name="national-2023", org_code="C1",
                          valid_from=D("2023-01-01"))  # fmt: skip
    _legacy_binding(sets["chongqing-13fyp"], tree["D1"], "2016-01-01", None)
    p = testing.make_person(tree["U1"])
    on = D("2024-06-30")
    answers = _answers(p.id, on)
    assert answers == {
        "engine": "national-2023@4",
        "resolver": "national-2023@4",
        "api": "national-2023@4",
        "hours_per_day": 7.5,
        "crediting": (
            {"policy": "length_bands", "bands": [
                {"min_minutes": 30, "hours": 1}, {"min_minutes": 15, "hours": 0.5},
                {"min_minutes": 0, "hours": 0.25}]},
            45,
        ),
    }  # fmt: skip
    assert api.online_credit_hours(p.id, on, 20, 1.0) == Decimal("0.50")
    _, results = evaluate(actor=SYSTEM, year=2024, as_of=on, person_ids=[p.id])
    assert "NAT-5" in {o.clause for o in next(iter(results)).outcomes}
    # In 2018 the district's own set governs (nearest bound ancestor within its period).
    assert _answers(p.id, D("2018-06-30"))["engine"] == "chongqing-13fyp@4"
    assert _answers(p.id, D("2018-06-30"))["resolver"] == "chongqing-13fyp@4"
    assert api.online_credit_hours(p.id, D("2018-06-30"), 20, 1.0) == Decimal("0.44")


BIND_CASES = [
    # (set, from, to, refused?) — chongqing-13fyp runs 2016-01-01 … 2020-12-31
    ("chongqing-13fyp", "2016-01-01", "2020-12-31", False),
    ("chongqing-13fyp", "2017-03-01", "2019-12-31", False),
    ("chongqing-13fyp", "2016-01-01", None, True),  # open-ended past the set's end
    ("chongqing-13fyp", "2015-12-31", "2020-12-31", True),  # starts before the set
    ("chongqing-13fyp", "2016-01-01", "2021-01-01", True),  # ends after it
    ("national-2023", "2023-01-01", None, False),  # the set itself is open-ended
    ("national-2023", "2022-12-31", None, True),
]


@pytest.mark.parametrize(("name", "start", "end", "refused"), BIND_CASES)
def test_ruleset_bind_refuses_a_binding_outside_its_sets_period(
    tree: dict[str, OrgNodeData], name: str, start: str, end: str | None, refused: bool
) -> None:
    _load_all()

    def bind() -> Any:
        until = D(end) if end else None
        return services.ruleset_bind(
            actor=SYSTEM, name=name, org_code="C1", valid_from=D(start), valid_to=until
        )

    if not refused:
        assert bind().valid_from == D(start)
        return
    with pytest.raises(ApplicationError) as caught:
        bind()
    assert caught.value.code == ComplianceErrorCode.BINDING_INVALID
    assert "绑定期限须在其内" in caught.value.message
    assert not RuleSetBinding.objects.exists()


def test_rules_bind_command_says_why_it_refuses(tree: dict[str, OrgNodeData]) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    _load_all()
    with pytest.raises(CommandError) as caught:
        call_command("rules", "bind", "chongqing-13fyp", "--org", "C1", "--from", "2016-01-01")
    assert str(caught.value) == (
        "规则集 chongqing-13fyp@4 的有效期为 2016-01-01 至 2020-12-31，绑定期限须在其内："
        "结束日期须指定且不晚于 2020-12-31"
    )


def test_the_unit_on_the_date_decides_not_todays_unit(tree: dict[str, OrgNodeData]) -> None:
    # §8 "Which set governs": a person who moved from 重庆 (U1) to 郑州 (U3) on 2016-07-01
    # is governed by chongqing-13fyp before that day and zhengzhou-2014 from it, for the
    # ledger's conversions as for the engine (7.5 vs 8 学时 a day).
    from civtrain.compliance.tests.conftest import load_and_bind

    load_and_bind()
    p = testing.make_person(tree["U1"])
    event(p.id, "hired", "2015-01-05", unit_id=tree["U1"].id)
    event(p.id, "transfer", "2016-07-01", unit_id=tree["U3"].id)
    before, after = _answers(p.id, D("2016-06-30")), _answers(p.id, D("2016-07-01"))
    assert (before["engine"], before["api"], before["hours_per_day"]) == (
        "chongqing-13fyp@4", "chongqing-13fyp@4", 7.5)  # fmt: skip
    assert (after["engine"], after["api"], after["hours_per_day"]) == (
        "zhengzhou-2014@5", "zhengzhou-2014@5", 8.0)  # fmt: skip


# -- hypothesis: generated trees (the test tree's nodes) and bindings ---------------------
NODES = ["C1", "D1", "D2", "U1", "U2", "C2", "U3"]
# Each person's unit and its ancestors, nearest first.
PEOPLE_AT = {"U1": ["U1", "D1", "C1"], "U1-1": ["U1-1", "U1", "D1", "C1"],
             "U2": ["U2", "D2", "C1"], "U3": ["U3", "C2"]}  # fmt: skip
PERIODS = {"chongqing-13fyp": (D("2016-01-01"), D("2020-12-31")),
           "zhengzhou-2014": (D("2014-01-01"), D("2016-12-31")),
           "national-2023": (D("2023-01-01"), dt.date.max)}  # fmt: skip
# Each shipped set moves its own version when its content changes (a loaded one is immutable).
VERSIONS = {name: read_file(path)["version"] for name, path in shipped_files().items()}


def _expected(chain: list[str], generated: list[Any], on: dt.date) -> str:
    """§8 by hand: nearest node first; there, a binding whose own period and whose set's
    period cover the date, the latest start winning."""
    for code in chain:
        here = []
        for name, node, start, end in generated:
            lo, hi = PERIODS[name]
            if node == code and start <= on and (end is None or on <= end) and lo <= on <= hi:
                here.append((start, name))
        if here:
            name = max(here)[1]
            return f"{name}@{VERSIONS[name]}"
    return ""


SETS = ["chongqing-13fyp", "zhengzhou-2014", "national-2023"]
binding_st = st.tuples(
    st.sampled_from(SETS),
    st.sampled_from(NODES),
    st.dates(dt.date(2013, 1, 1), dt.date(2025, 12, 31)),
    st.one_of(st.none(), st.integers(0, 3000)),
)


class OneAnswer(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.tree = testing.build_tree()
        cls.sets = _load_all()
        cls.people = {code: testing.make_person(cls.tree[code]) for code in PEOPLE_AT}

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        generated=st.lists(binding_st, max_size=6),
        on=st.dates(dt.date(2014, 1, 1), dt.date(2025, 12, 31)),
    )
    def test_engine_and_every_other_caller_agree(
        self, generated: list[tuple[str, str, dt.date, int | None]], on: dt.date
    ) -> None:
        # Bindings as any past code may have stored them (in or out of their set's period).
        RuleSetBinding.objects.all().delete()
        conversions.cache_clear()
        stored = []
        for name, code, start, length in generated:
            end = None if length is None else start + dt.timedelta(days=length)
            stored.append((name, code, start, end))
            _legacy_binding(self.sets[name], self.tree[code], start.isoformat(),
                            end.isoformat() if end else None)  # fmt: skip
        for code, person in self.people.items():
            answers = _answers(person.id, on)
            label = answers["engine"]
            assert answers["resolver"] == label == answers["api"], (code, answers)
            if len({s for _, n, s, _ in stored if n in PEOPLE_AT[code]}) == len(
                [1 for _, n, _, _ in stored if n in PEOPLE_AT[code]]
            ):  # (two bindings of one node starting on one day: either may win)
                assert label == _expected(PEOPLE_AT[code], stored, on), (code, stored, on)
            spec = next((b.spec for b in bindings.stored_bindings() if b.spec.label == label),
                        None)  # fmt: skip
            assert answers["hours_per_day"] == (spec.hours_per_day if spec else None)
            if spec is not None:  # the winner really is in force on the date
                assert spec.valid_from <= on <= spec.valid_to
