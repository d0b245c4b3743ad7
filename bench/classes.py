"""Results finalisation of a training class (issue 3 items 5–6): feedback notices to units,
absences for unmarked sessions, and ledger entries for passing trainees, for one class of
`size` trainees with 3 sessions.

Everything the bench makes (org nodes, people, class, enrolments, ledger rows) is written
inside one transaction that is rolled back at the end, so the database is left as it was.
Baseline, measured in the same run: plain `bulk_create` of the same number of notices and
absence rows (what finalisation writes besides the ledger), without any checks.
"""

import datetime as dt
import sys
from decimal import Decimal

from django.db import transaction

from bench import Measurement, benchmark, timer
from civtrain.accounts.api import SYSTEM, Role, role_assign, user_create
from civtrain.classes.api import (
    ClassInput,
    ClassStatus,
    SessionInput,
    class_create,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.core import crypto
from civtrain.enrolment import services
from civtrain.enrolment.data import ResultInput
from civtrain.enrolment.models import Attendance, Enrolment, UnitNotice
from civtrain.institutions.api import institution_create
from civtrain.organisations.api import OrgKind, org_create
from civtrain.people.data import id_check_digit, mask_id_number
from civtrain.people.models import ID_CONTEXT, Person

REGION = "990103"  # no real region: bench people never collide with real ID numbers


def _people(unit_id: int, n: int) -> list[int]:
    rows = []
    for i in range(n):
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=i % 9000)
        first17 = f"{REGION}{birth:%Y%m%d}{i // 9000:03d}"
        number = first17 + id_check_digit(first17)
        rows.append(
            Person(
                name=f"学员{i}",
                id_number_enc=crypto.encrypt(number, context=ID_CONTEXT),
                id_number_hash=crypto.lookup_hash(number, context=ID_CONTEXT),
                id_number_masked=mask_id_number(number),
                gender="M",
                unit_id=unit_id,
            )
        )
    return [p.pk for p in Person.objects.bulk_create(rows, batch_size=2000)]


@benchmark(
    "class_finalise",
    default_size=500,
    description="确认成绩：每名学员一条单位通知、缺勤补记、合格学员记入学时（条/秒）",
)
def class_finalise_bench(size: int) -> Measurement:
    with transaction.atomic():
        city = org_create(actor=SYSTEM, code="BENCH-CLS-C", name="基准市", kind=OrgKind.CITY)
        unit = org_create(
            actor=SYSTEM,
            code="BENCH-CLS-U",
            name="基准单位",
            kind=OrgKind.UNIT,
            parent_code=city.code,
        )
        bureau = user_create(actor=SYSTEM, username="bench-cls-city", display_name="基准市局")
        role_assign(actor=SYSTEM, user=bureau, role=Role.CITY_BUREAU, org_id=city.id)
        inst = institution_create(
            actor=bureau,
            name="基准党校",
            org_id=city.id,
            recognised_from=dt.date(2026, 1, 1),
            recognised_to=dt.date(2026, 12, 31),
        )
        tc = class_create(
            actor=bureau,
            data=ClassInput(
                code="BENCH-CLS-1",
                title="基准培训班",
                training_type="initial",
                mode="off_the_job",
                organiser_id=city.id,
                institution_id=inst.id,
                start_date=dt.date(2026, 3, 2),
                end_date=dt.date(2026, 3, 4),
                days=Decimal(3),
                total_hours=Decimal(24),
                capacity=size,
                subject_hours={"law": Decimal(4)},
            ),
        )
        for day in (2, 3, 4):
            session_create(
                actor=bureau,
                class_id=tc.id,
                data=SessionInput(
                    date=dt.date(2026, 3, day),
                    start_time=dt.time(9),
                    end_time=dt.time(17),
                    topic="专题",
                    hours=Decimal(8),
                ),
            )
        class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.OPEN)
        sys.stderr.write(f"class_finalise: {size} trainees\n")
        services.nominations_create(actor=bureau, class_id=tc.id, person_ids=_people(unit.id, size))
        inst_staff = user_create(actor=SYSTEM, username="bench-cls-inst", display_name="基准机构")
        role_assign(actor=SYSTEM, user=inst_staff, role=Role.INSTITUTION, org_id=city.id)
        class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.RUNNING)
        score = Decimal(80)
        services.results_record(
            actor=inst_staff,
            class_id=tc.id,
            rows=[
                ResultInput(
                    enrolment_id=e,
                    exam_score=score,
                    conduct_attitude=score,
                    conduct_participation=score,
                    conduct_interaction=score,
                    conduct_discipline=score,
                    peer_score=score,
                )
                for e in Enrolment.objects.filter(training_class_id=tc.id).values_list(
                    "pk", flat=True
                )
            ],
        )
        with timer() as elapsed:
            notices = services.results_finalise(actor=inst_staff, class_id=tc.id)
        value = len(notices) / elapsed()
        enrolments = list(Enrolment.objects.filter(training_class_id=tc.id))
        session_ids = [s.id for s in sessions_of(tc.id)]
        # Baseline: the same rows written plainly into a second copy of the inbox and register.
        UnitNotice.objects.filter(enrolment__training_class_id=tc.id).delete()
        Attendance.objects.filter(enrolment__training_class_id=tc.id).delete()
        with timer() as plain:
            UnitNotice.objects.bulk_create(
                [
                    UnitNotice(
                        unit_id=e.unit_id,
                        enrolment=e,
                        title="t",
                        body="b",
                        passed=True,
                        total_score=e.total_score,
                        created_at=dt.datetime(2026, 3, 4, tzinfo=dt.UTC),
                    )
                    for e in enrolments
                ],
                batch_size=2000,
            )
            Attendance.objects.bulk_create(
                [
                    Attendance(
                        enrolment=e,
                        session_id=s,
                        status="absent",
                        method="auto",
                        recorded_at=dt.datetime(2026, 3, 4, tzinfo=dt.UTC),
                    )
                    for e in enrolments
                    for s in session_ids
                ],
                batch_size=2000,
            )
        baseline = len(enrolments) / plain()
        transaction.set_rollback(True)
    return Measurement(
        value=value,
        unit="trainees/s",
        baseline=baseline,
        target=">= 500 trainees/s (a 500-seat class finalises within a second)",
    )
