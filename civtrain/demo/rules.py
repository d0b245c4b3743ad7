"""Demo step: the shipped rule sets bound to both cities, and stored snapshots of the years
the dashboards open on.

Each city keeps its own set for the years it governed (CQ 2016–2020, ZZ 2014–2016) and the
national set from 2023 (the ledger step writes history in exactly these years). Snapshots
are stored for this year and last year (national: a year still open and a closed one) and
for the last year of each city's own set, so the units pages and dashboards show outcomes
without evaluating live; any other year is evaluated live when asked for.
"""

import datetime as dt

from civtrain.accounts.api import SYSTEM
from civtrain.compliance.api import rulesets_install, snapshots_refresh
from civtrain.demo.geography import CHONGQING, ZHENGZHOU
from civtrain.demo.steps import DemoContext

# (set, org code, from, to): the bindings `rulesets_install` makes.
BINDINGS: list[tuple[str, str, dt.date, dt.date | None]] = [
    ("chongqing-13fyp", CHONGQING.code, dt.date(2016, 1, 1), dt.date(2020, 12, 31)),
    ("zhengzhou-2014", ZHENGZHOU.code, dt.date(2014, 1, 1), dt.date(2016, 12, 31)),
    ("national-2023", CHONGQING.code, dt.date(2023, 1, 1), None),
    ("national-2023", ZHENGZHOU.code, dt.date(2023, 1, 1), None),
]


def snapshot_years(as_of: dt.date) -> list[int]:
    """This year, last year and the last year of each bounded binding, newest first."""
    closed = {b[3].year for b in BINDINGS if b[3] is not None and b[3].year < as_of.year}
    return sorted({as_of.year, as_of.year - 1} | closed, reverse=True)


def run(ctx: DemoContext) -> str:
    bound = rulesets_install(actor=SYSTEM, bindings=BINDINGS)
    years = snapshot_years(ctx.as_of)
    stored = 0
    for year in years:
        # As the pages evaluate a year live (compliance's default_as_of): a closed year as
        # of the day after it ends, when its annual amounts become missed (§8 "Deadlines").
        as_of = min(ctx.as_of, dt.date(year + 1, 1, 1))
        stored += snapshots_refresh(actor=SYSTEM, year=year, as_of=as_of)
    listed = ", ".join(str(y) for y in years)
    return f"{bound} rule-set bindings, {stored} compliance snapshots for {listed}"
