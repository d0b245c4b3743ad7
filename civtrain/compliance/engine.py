"""The compliance engine: SQL aggregates per person and year, rules over them in Python.

One evaluation = one year and one `as_of` date over a population (everyone, a subtree, a
list of people). People are walked in chunks of id ranges; for each chunk a handful of
GROUP BY queries (totals per year with one conditional SUM per measure the loaded rules
need, subject hours likewise, exams, and the dated entries of people with open triggers)
— never a query per person — and then each person's rules run over those aggregates.

This module puts the parts together (ADR 0009):
- evaluator.py — the pure evaluator: what to read, and the rules over what was read;
- reads.py — the set-wise reads of a chunk, and the org nodes (OrgCache);
- pipeline.py — the chunks, read ahead by threads on PostgreSQL;
- units.py — unit-level rules and unit summaries (completion rate, 优秀 quota);
- linkage.py, audience.py — the assessment linkage, a person's attributes on a date;
- bindings.py — which rule set governs a unit on a date (the one resolver).
"""

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import Q

from civtrain.compliance import pipeline
from civtrain.compliance.bindings import Binding
from civtrain.compliance.data import PersonResult
from civtrain.compliance.evaluator import Evaluator
from civtrain.compliance.reads import OrgCache
from civtrain.compliance.ruleset import RuleSetSpec


class Engine:
    """One year at one as_of date under the given bindings: the evaluator with its reads."""

    def __init__(self, *, year: int, as_of: dt.date, bindings: Iterable[Binding]) -> None:
        self.orgs = OrgCache()
        self.evaluator = Evaluator(year=year, as_of=as_of, bindings=bindings, orgs=self.orgs)
        self.year = year
        self.as_of = as_of
        self.specs: dict[str, RuleSetSpec] = self.evaluator.specs

    def people(
        self, people_q: Q | None, id_range: tuple[int, int] | None = None
    ) -> Iterator[PersonResult]:
        """Results person by person, in id order, computed pipeline.CHUNK ids at a time.
        `people_q` None with `id_range` evaluates every person whose id lies in the range."""
        return pipeline.people(self.evaluator, self.orgs, people_q, id_range)

    def ruleset_for(self, unit_path: str) -> RuleSetSpec | None:
        """The set governing the unit on the reference date (bindings.Resolver)."""
        return self.evaluator.ruleset_for(unit_path)
