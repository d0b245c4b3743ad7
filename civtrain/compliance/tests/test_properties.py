"""Property tests (hypothesis): more training never un-meets a rule; entry order is irrelevant."""

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from civtrain import testing
from civtrain.compliance.api import person_evaluate
from civtrain.compliance.tests.conftest import load_and_bind
from civtrain.compliance.tests.ledger_builders import entry

TYPES = ["initial", "appointment", "in_service", "specialised"]
MODES = ["off_the_job", "online", "on_site"]

entries_st = st.lists(
    st.fixed_dictionaries(
        {
            "date": st.dates(dt.date(2018, 1, 1), dt.date(2018, 12, 31)).map(dt.date.isoformat),
            "hours": st.sampled_from([7.5, 8, 12, 24, 40]),  # ≥ subject hours (ledger rule)
            "training_type": st.sampled_from(TYPES),
            "mode": st.sampled_from(MODES),
            "subjects": st.sampled_from([{}, {"law": 2}, {"law": 4, "ethics": 1}, {"ethics": 3}]),
        }
    ),
    max_size=8,
)


def _summary(person_id: int, as_of: str) -> dict[str, tuple[Any, ...]]:
    r = person_evaluate(person_id, year=2018, as_of=dt.date.fromisoformat(as_of))
    return {o.rule: (o.required, round(o.achieved, 6), o.unit, o.status) for o in r.outcomes}


class ComplianceProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.tree = testing.build_tree()
        load_and_bind()

    def _person(self) -> Any:
        return testing.make_person(
            self.tree["U1"],
            law_enforcement=True,
            grassroots=True,
            reporting_date=dt.date(2018, 2, 1),
        )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        entries=entries_st,
        extra=entries_st.filter(bool).map(lambda xs: xs[0]),
        as_of=st.sampled_from(["2018-06-30", "2018-12-31", "2019-03-01"]),
    )
    def test_adding_an_entry_never_turns_met_into_not_met(
        self, entries: list[dict[str, Any]], extra: dict[str, Any], as_of: str
    ) -> None:
        p = self._person()
        for e in entries:
            entry(p.id, **e)
        before = _summary(p.id, as_of)
        entry(p.id, **extra)
        after = _summary(p.id, as_of)
        assert set(after) == set(before)
        for rule, (_, achieved, unit, status) in before.items():
            if after[rule][2] == unit:
                assert after[rule][1] >= achieved - 1e-9, rule
            if status == "met":
                assert after[rule][3] == "met", rule

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(entries=entries_st, seed=st.randoms(use_true_random=False))
    def test_result_does_not_depend_on_the_order_of_entries(
        self, entries: list[dict[str, Any]], seed: Any
    ) -> None:
        a, b = self._person(), self._person()
        shuffled = list(entries)
        seed.shuffle(shuffled)
        for e in entries:
            entry(a.id, **e)
        for e in shuffled:
            entry(b.id, **e)
        assert _summary(a.id, "2018-12-31") == _summary(b.id, "2018-12-31")
