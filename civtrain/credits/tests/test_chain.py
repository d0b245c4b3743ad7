"""The fast canonical form is byte-identical to the generic JSON encoding it stands for, for
every schema version (issue #9 item 3)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from civtrain.credits import chain, ledger
from civtrain.credits.tests.schema_v2 import NEXT

text = st.text(max_size=30)
amount = st.decimals(min_value=-99999, max_value=99999, places=2, allow_nan=False)
money = st.one_of(st.none(), amount)  # for the fields that may be null (score)


@given(
    title=text,
    reason=text,
    evidence=text,
    source_ref=text,
    hours=amount,
    score=money,
    start=st.one_of(st.none(), st.dates()),
    by=st.one_of(st.none(), st.integers(min_value=1, max_value=10**9)),
    subjects=st.dictionaries(st.sampled_from(["law", "ethics", "theory"]), money.filter(bool)),
)
def test_canonical_matches_reference(
    title: str,
    reason: str,
    evidence: str,
    source_ref: str,
    hours: Decimal,
    score: Decimal | None,
    start: dt.date | None,
    by: int | None,
    subjects: dict[str, Decimal],
) -> None:
    fields = {
        "person_id": 7,
        "seq": 3,
        "title": title,
        "start_date": start,
        "date": dt.date(2026, 5, 1),
        "year": 2026,
        "hours": hours,
        "days": Decimal("1.50"),
        "training_type": "initial",
        "mode": "online",
        "result": "passed",
        "score": score,
        "source_type": "manual",
        "source_ref": source_ref,
        "reverses_id": None,
        "reason": reason,
        "evidence": evidence,
        "recorded_by_id": by,
        "recorded_at": dt.datetime(2026, 5, 1, 8, 30, 1, 5, tzinfo=dt.UTC),
    }
    for schema in (ledger.V1, ledger.V2, NEXT):
        values = [fields.get(name, "注") for name in schema.columns]
        fast = schema.content(values, list(subjects.items()))
        assert fast == schema.reference(values, list(subjects.items()))


def test_hash_covers_prev_hash_and_content() -> None:
    assert chain.entry_hash(chain.GENESIS, b"{}") != chain.entry_hash("1" * 64, b"{}")
    assert len(chain.entry_hash(chain.GENESIS, b"{}")) == 64
