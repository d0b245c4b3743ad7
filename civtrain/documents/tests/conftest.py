"""Fixtures of the documents tests: a person with 40 ledger entries over three years."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.credits import api as credits
from civtrain.organisations.api import OrgNodeData
from civtrain.people.data import PersonData

TITLES = [
    "习近平新时代中国特色社会主义思想专题培训班",
    "依法行政能力提升培训",
    "公文写作与数字政务",
]
TYPES = ["initial", "appointment", "specialised", "in_service"]
CLEAR_ID_NUMBER = testing.make_id_number(serial=777)
MODES = ["off_the_job", "online", "off_the_job", "on_site"]


def forty_entries(actor: Any, person: PersonData) -> list[credits.EntryData]:
    """40 entries, 2024–2026: hours only, days only and both; passed, failed and none; and
    one off-the-job training of three months (the appointment form's kind, CQ-M3)."""
    entries = []
    for i in range(40):
        year = 2024 + i % 3
        day = dt.date(year, 1 + i % 12, 1 + i % 27)
        amounts: dict[str, Decimal] = (
            {"hours": Decimal(4 + i)} if i % 3 == 0
            else {"days": Decimal(1 + i % 5)} if i % 3 == 1
            else {"hours": Decimal(8 * (1 + i % 5)), "days": Decimal(1 + i % 5)}
        )  # fmt: skip
        entries.append(
            credits.credit_entry_record(
                actor=actor,
                person_id=person.id,
                title=f"{TITLES[i % 3]}第{i + 1}期",
                date=day,
                start_date=day - dt.timedelta(days=i % 4),
                training_type=TYPES[i % 4],
                mode=MODES[i % 4],
                source_type="manual",
                source_ref=f"doc-test:{i}",
                result=["passed", "failed", ""][i % 3],
                evidence="渝中区委党校",
                **amounts,
            )
        )
    entries.append(
        credits.credit_entry_record(
            actor=actor,
            person_id=person.id,
            title="中青年干部培训班",
            start_date=dt.date(2025, 3, 1),
            date=dt.date(2025, 6, 20),
            days=Decimal(90),
            training_type="appointment",
            mode="off_the_job",
            source_type="manual",
            source_ref="doc-test:long",
            result="passed",
            evidence="重庆市委党校",
        )
    )
    return entries


@pytest.fixture
def hr(actors: dict[str, Any]) -> Any:
    return actors["unit_hr"]


@pytest.fixture
def person(tree: dict[str, OrgNodeData], hr: Any) -> PersonData:
    p = testing.make_person(tree["U1"], "欧阳明远", id_number=CLEAR_ID_NUMBER)
    forty_entries(hr, p)
    return p
