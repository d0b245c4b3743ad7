"""Fixtures of the compliance tests: the shipped rule sets loaded and bound to the test tree."""

import datetime as dt
from typing import Any

import pytest

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import services
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.organisations.api import OrgNodeData


def load_and_bind() -> None:
    """C1 (重庆) runs chongqing-13fyp in 2016–2020 and national-2023 from 2023; C2 (郑州)
    runs zhengzhou-2014 in 2014–2016."""
    for path in shipped_files().values():
        services.ruleset_load(actor=SYSTEM, document=read_file(path))
    bind = services.ruleset_bind
    bind(actor=SYSTEM, name="chongqing-13fyp", org_code="C1", valid_from=dt.date(2016, 1, 1),
         valid_to=dt.date(2020, 12, 31))  # fmt: skip
    bind(actor=SYSTEM, name="national-2023", org_code="C1", valid_from=dt.date(2023, 1, 1))
    bind(actor=SYSTEM, name="zhengzhou-2014", org_code="C2", valid_from=dt.date(2014, 1, 1),
         valid_to=dt.date(2016, 12, 31))  # fmt: skip


@pytest.fixture
def bound(tree: dict[str, OrgNodeData]) -> dict[str, OrgNodeData]:
    load_and_bind()
    return tree


@pytest.fixture
def nobody() -> Any:
    return None


@pytest.fixture(autouse=True)
def _catalogue_readable(request: pytest.FixtureRequest) -> None:
    """Validating a rule-set file reads the subject taxonomy from the catalogue's table (one
    list, issue 10 item 10), so every test here may use the database."""
    if "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")


@pytest.fixture(autouse=True)
def _fresh_conversions() -> None:
    """The PR-2 lookups are cached for a while; each test starts from its own database."""
    from civtrain.compliance import conversions

    conversions.cache_clear()
