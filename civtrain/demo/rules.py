"""Demo step: the shipped rule sets bound to both cities, and this year's snapshots.

Each city keeps its own set for the years it governed (CQ 2016–2020, ZZ 2014–2016) and
the national set from 2023, so the dashboards of the current year have something to show.
"""

import datetime as dt

from civtrain.accounts.api import SYSTEM
from civtrain.compliance.api import rulesets_install, snapshots_refresh
from civtrain.demo.steps import DemoContext

CHONGQING, ZHENGZHOU = "500000", "410100"


def run(ctx: DemoContext) -> str:
    bindings = [
        ("chongqing-13fyp", CHONGQING, dt.date(2016, 1, 1), dt.date(2020, 12, 31)),
        ("zhengzhou-2014", ZHENGZHOU, dt.date(2014, 1, 1), dt.date(2016, 12, 31)),
        ("national-2023", CHONGQING, dt.date(2023, 1, 1), None),
        ("national-2023", ZHENGZHOU, dt.date(2023, 1, 1), None),
    ]
    bound = rulesets_install(actor=SYSTEM, bindings=bindings)
    stored = snapshots_refresh(actor=SYSTEM, year=ctx.as_of.year, as_of=ctx.as_of)
    return f"{bound} rule-set bindings, {stored} compliance snapshots for {ctx.as_of.year}"
