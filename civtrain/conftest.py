"""Fixtures shared by every app's tests."""

from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock
from civtrain.organisations.api import OrgNodeData

# Property tests assert what they find, not how fast the shared 2-core machine draws examples:
# no per-example deadline and no "input generation too slow" failure under load.
hypothesis_settings.register_profile(
    "civtrain", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("civtrain")


@pytest.fixture(autouse=True)
def _force_login_is_a_full_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` stands for a complete login — password and, for the roles
    that need it, the second factor (#17 item 1) — as the login page would leave it. Tests
    of the second factor itself use testing.force_login_password_only or the login page."""
    from django.test import Client

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        testing.force_login_password_only(self, user, backend)
        testing.second_factor_pass(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _release_clock() -> Any:
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _forget_cached_conversions() -> Any:
    """compliance caches rule-set bindings and unit paths for the ledger's conversions
    (PR-2); each test has its own database, so none may see another's."""
    yield
    from civtrain.compliance.api import conversions_cache_clear

    conversions_cache_clear()


_flushed = False  # a transactional test ran on this worker: its flush removed the seeds


@pytest.fixture(autouse=True)
def _migration_data(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """Every database test starts with what migrations seed (the subject taxonomy that
    classes, the ledger, imports and rule sets validate against), even after another
    transactional test's flush on the same worker (see testing.MIGRATION_SEEDS). A plain
    test gets them committed before its own transaction begins (autouse fixtures set up
    before the `db` fixture), so the seeds stay for the tests after it."""
    global _flushed
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (len(marker.args) > 0 and marker.args[0])
    )
    if transactional or "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        testing.reseed_migration_data()
        _flushed = True
    elif _flushed:  # whether this test reads the database may be decided only later
        with django_db_blocker.unblock():
            testing.reseed_migration_data()
        _flushed = False


@pytest.fixture
def tree(db: Any) -> dict[str, OrgNodeData]:
    return testing.build_tree()


@pytest.fixture
def actors(tree: dict[str, OrgNodeData]) -> dict[str, Any]:
    """One user per role, bound as the permission-matrix tests expect."""
    return {
        "city": testing.make_user(Role.CITY_BUREAU, tree["C1"]),
        "district": testing.make_user(Role.DISTRICT_BUREAU, tree["D1"]),
        "unit_hr": testing.make_user(Role.UNIT_HR, tree["U1"]),
        "other_city": testing.make_user(Role.CITY_BUREAU, tree["C2"]),
        "institution": testing.make_user(Role.INSTITUTION, tree["C1"]),
        "teacher": testing.make_user(Role.TEACHER, tree["C1"]),
        "evaluator": testing.make_user(Role.EVALUATOR, tree["C1"]),
    }


# 国密 mode (#17 item 5): `pytest --crypto-suite gm civtrain/people civtrain/web/tests/...`
# runs any tests under the gm suite (SM4-GCM fields, HMAC-SM3 lookups) instead of the
# default; civtrain/web/tests/test_crypto_suites.py always runs both.
def pytest_addoption(parser: Any) -> None:
    parser.addoption(
        "--crypto-suite",
        choices=("standard", "gm"),
        default=None,
        help="CIVTRAIN_CRYPTO_SUITE for the whole run (#17 item 5)",
    )


@pytest.fixture(autouse=True)
def _crypto_suite(request: Any) -> Any:
    chosen = request.config.getoption("--crypto-suite")
    if chosen is None:
        yield
        return
    from django.conf import settings

    before = getattr(settings, "CIVTRAIN_CRYPTO_SUITE", "standard")
    settings.CIVTRAIN_CRYPTO_SUITE = chosen
    try:
        yield
    finally:
        settings.CIVTRAIN_CRYPTO_SUITE = before
