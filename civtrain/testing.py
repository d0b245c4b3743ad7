"""Builders for tests across apps, using only the apps' public interfaces."""

import datetime as dt
import importlib
import io
import itertools
import json
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from civtrain.accounts.api import SYSTEM, Role, role_assign, user_create
from civtrain.core.actors import Actor
from civtrain.organisations.api import OrgKind, OrgNodeData, org_by_codes, org_create
from civtrain.people.api import person_create, person_data
from civtrain.people.data import Gender, PersonData, PersonInput, id_check_digit

# What migrations seed (RunPython): the subject taxonomy every app validates against. A
# transactional test (or `live_server`) flushes the database when it ends, and so removes
# it for the next transactional test on the same xdist worker: reseed_migration_data() puts
# it back. (Serialized rollback would do this too, but clashes with the content types that a
# plain transactional test's flush re-creates.)
MIGRATION_SEEDS = ["civtrain.catalogue.migrations.0002_seed_subjects"]


def reseed_migration_data() -> None:
    from django.apps import apps

    for module in MIGRATION_SEEDS:
        importlib.import_module(module).seed(apps, None)


# Every test account shares one password.
TEST_PASSWORD = "Passw0rd!2026"  # noqa: S105
_serial = itertools.count(1)


def make_id_number(
    birth: dt.date | None = None, region: str = "500101", serial: int | None = None
) -> str:
    """A valid GB 11643 number; `serial` (0–999) makes it unique. Without a serial the
    number is drawn from a counter under another birth date than explicit serials get by
    default, so a test's fixed serial never meets a number drawn earlier in its process."""
    if serial is None:
        n = next(_serial)
        seq, birth = n % 1000, birth or dt.date(1985, 3, 9) + dt.timedelta(days=n // 1000)
    else:
        seq, birth = serial, birth or dt.date(1990, 5, 17)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def build_tree() -> dict[str, OrgNodeData]:
    """city C1 → districts D1, D2 → units U1 (in D1), U2 (in D2) → department U1-1; a second
    city C2 with unit U3. Returned by code."""
    spec = [
        ("C1", "重庆市", OrgKind.CITY, None),
        ("D1", "渝中区", OrgKind.DISTRICT, "C1"),
        ("D2", "江北区", OrgKind.DISTRICT, "C1"),
        ("U1", "渝中区人力社保局", OrgKind.UNIT, "D1"),
        ("U1-1", "办公室", OrgKind.DEPARTMENT, "U1"),
        ("U2", "江北区司法局", OrgKind.UNIT, "D2"),
        ("C2", "郑州市", OrgKind.CITY, None),
        ("U3", "郑州市人社局", OrgKind.UNIT, "C2"),
    ]
    for code, name, kind, parent in spec:
        org_create(actor=SYSTEM, code=code, name=name, kind=kind, parent_code=parent)
    return org_by_codes()


def make_user(role: Role, org: OrgNodeData, username: str | None = None) -> Any:
    user = user_create(
        actor=SYSTEM,
        username=username or f"{role.value}-{org.code}-{next(_serial)}",
        display_name=f"{role.label}{org.code}",
        password=TEST_PASSWORD,
        org_id=org.id,
    )
    role_assign(actor=SYSTEM, user=user, role=role, org_id=org.id)
    return user


def make_person(unit: OrgNodeData, name: str = "张三", **fields: Any) -> PersonData:
    admin = _admin_for(unit)
    fields.setdefault("gender", Gender.MALE)
    fields.setdefault("id_number", make_id_number())
    person = person_create(actor=admin, data=PersonInput(name=name, unit_id=unit.id, **fields))
    return person_data(person.pk)


_admins: dict[str, Any] = {}


def _admin_for(unit: OrgNodeData) -> Any:
    root_id = int(unit.path.split("/")[0])
    from civtrain.organisations.api import org_data

    root = org_data(root_id)
    if (
        root.code not in _admins
        or not type(_admins[root.code]).objects.filter(pk=_admins[root.code].pk).exists()
    ):
        _admins[root.code] = make_user(Role.CITY_BUREAU, root)
    return _admins[root.code]


def force_login_password_only(client: Any, user: Any, backend: str | None = None) -> None:
    """Django's own force_login (the conftest replaces Client's): a session past the
    password only, without the second factor."""
    from django.test.client import ClientMixin

    ClientMixin.force_login(client, user, backend)


def second_factor_pass(client: Any, user: Any) -> None:
    """Mark the client's session as verified with a second factor (a TOTP device made for
    the test), when the user's roles need one (accounts: SECOND_FACTOR_ROLES)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from civtrain.accounts.api import SECOND_FACTOR_ROLES, actor_scope

    user = type(user).objects.get(pk=user.pk)  # a fresh scope: roles may have changed
    if not (user.is_superuser or actor_scope(user).has(*SECOND_FACTOR_ROLES)):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


class ApiCaller:
    """Calls /api/v1/ as one actor: a logged-in session user, a bearer token, or nobody."""

    def __init__(self, user: Any = None, token: str | None = None) -> None:
        from django.test import Client

        self.user, self.client = user, Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        # Logged in on first use: a matrix test builds ten callers and uses one.
        self._needs_login = user is not None and token is None

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        import json

        if self._needs_login:
            self.client.force_login(self.user)
            self._needs_login = False
        url = "/api/v1" + path
        send = getattr(self.client, method.lower())
        if body is None:
            response = send(url, **self.headers)
        else:
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
            response = send(url, data, content_type="application/json", **self.headers)
        is_json = response.get("Content-Type", "").startswith("application/json")
        return response.status_code, response.json() if is_json else response.content


def api_callers(tree: dict[str, OrgNodeData], actors: dict[str, Any]) -> dict[str, ApiCaller]:
    """One caller per row of the API permission matrix: the `actors` fixture's roles, a
    learner (the person "学员本人" in U1, seeing only their own record), nobody, and a
    city-bureau user of C1 who authenticates with an API token only."""
    from civtrain.accounts.api import User, api_token_create

    callers = {name: ApiCaller(user) for name, user in actors.items()}
    own = make_person(tree["U1"], name="学员本人")
    # person_create gives every person a learner account, so user_id is set.
    callers["learner"] = ApiCaller(User.objects.get(person__pk=own.id))
    callers["anonymous"] = ApiCaller()
    token_user = make_user(Role.CITY_BUREAU, tree["C1"])
    callers["token"] = ApiCaller(
        token_user, api_token_create(actor=SYSTEM, user=token_user, name="集成测试")
    )
    return callers


# --- training classes (catalogue, institutions, classes, enrolment) ---------------------


def make_institution(
    org: OrgNodeData,
    name: str | None = None,
    recognised_from: dt.date | None = dt.date(2026, 1, 1),
    recognised_to: dt.date | None = dt.date(2028, 12, 31),
) -> Any:
    """An institution under `org`, recognised 2026–2028 unless told otherwise."""
    from civtrain.institutions.api import institution_create

    return institution_create(
        actor=_admin_for(org),
        name=name or f"{org.name}党校{next(_serial)}",
        org_id=org.id,
        recognised_from=recognised_from,
        recognised_to=recognised_to,
    )


def make_class(actor: Actor, organiser: OrgNodeData, institution_id: int, **fields: Any) -> Any:
    """A 24-hour initial-training class with 4 h of law (CQ-T4a), 30 places, 2026-03-02…06."""
    from decimal import Decimal

    from civtrain.classes.api import ClassInput, class_create

    values: dict[str, Any] = {
        "code": f"BJ2026-{next(_serial):03d}",
        "title": "2026年新录用公务员初任培训班",
        "training_type": "initial",
        "mode": "off_the_job",
        "organiser_id": organiser.id,
        "institution_id": institution_id,
        "start_date": dt.date(2026, 3, 2),
        "end_date": dt.date(2026, 3, 6),
        "days": Decimal(5),
        "total_hours": Decimal(24),
        "capacity": 30,
        "subject_hours": {"law": Decimal(4), "ethics": Decimal(2)},
    }
    values.update(fields)
    return class_create(actor=actor, data=ClassInput(**values))


def totp_code_for(user_id: int) -> str:
    """A code the user's TOTP device (confirmed, or else pending enrolment) accepts now: the
    current time step's, or the
    next one when this step was used already (a code is accepted once; the device tolerates
    one step of drift)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = (
        TOTPDevice.objects.filter(user_id=user_id).order_by("-confirmed", "pk").first()
    )  # the confirmed device, else the one being enrolled
    assert device is not None  # noqa: S101 - a test helper
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)
    totp.time = (step + device.t0) * device.step  # t0 is 0 unless set
    return f"{totp.token():0{device.digits}d}"


def login_through_pages(client: Any, username: str, password: str) -> Any:
    """Log in as a user would: the login form, then the second-factor page when the account
    needs it. Returns the last response."""
    from civtrain.accounts.api import user_id_by_username

    response = client.post("/login/", {"username": username, "password": password})
    if response.status_code != 302:
        return response
    landing = client.get(response["Location"])
    if landing.status_code == 302 and landing["Location"].startswith("/account/2fa/"):
        user_id = user_id_by_username(username)
        assert user_id is not None  # noqa: S101 - a test helper
        client.get(landing["Location"])  # shows the enrolment to an account with no factor
        return client.post(
            "/account/2fa/", {"token": totp_code_for(user_id), "next": response["Location"]}
        )
    return response


# --- requests as `civtrain serve` hands them to the application --------------------------


def served(
    method: str, path: str, body: Any, headers: dict[str, str] | None = None, **environ: Any
) -> tuple[int, dict[str, str], Any]:
    """One request through config.wsgi.application, as granian hands it over: (status,
    headers, JSON body or None)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw), "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.errors": io.StringIO(), "wsgi.multithread": True, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
    }  # fmt: skip
    env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()})
    env.update(environ)
    answer: dict[str, Any] = {}

    def start_response(status: str, header_list: list[tuple[str, str]], *_: Any) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(header_list)

    from config.wsgi import application  # the served application, built once settings are

    # As Django's test client does: the test's transaction keeps its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(application(env, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    parsed = json.loads(content) if content else None
    return answer["status"], answer["headers"], parsed
