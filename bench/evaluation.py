"""Evaluation scores per teacher and per institution (issue #16, CQ-M4) over `size`
anonymous answers.

Data: 20 institutions, 200 teachers, one form per class with 7 questions (5 dimensions and
two sessions' teachers) and 30 responses, so `size` answers need size / 210 classes. It is
written with bulk inserts (the answers in one INSERT … SELECT on PostgreSQL) inside one
transaction that is rolled back at the end.

Measured: the reads the score page, `/api/v1/evaluation/scores/…` and `civtrain evaluations
summary` make — `selectors.teacher_scores` and `selectors.institution_scores` over
`counted_answers(actor=<the city bureau>, year=…)` (scoped, MIN_RESPONSES gate, distinct
form counts) — in-process, best of 3. Baseline, in the same run: the same two figures by a
hand-written SQL GROUP BY over the same joins, best of 3. Target: ≤ 2× the baseline.
"""

import datetime as dt
import sys
from decimal import Decimal

from django.db import connection, transaction

from bench import Measurement, benchmark, timer
from civtrain.accounts.api import SYSTEM, Role, role_assign, user_create
from civtrain.classes.models import TrainingClass
from civtrain.evaluation import selectors
from civtrain.evaluation.models import ClassEvaluation, EvaluationTemplate
from civtrain.faculty.models import Teacher
from civtrain.institutions.models import Institution
from civtrain.organisations.api import OrgKind, org_create

YEAR = 2026
QUESTIONS = 7
RESPONSES = 30
TEACHERS = 200
INSTITUTIONS = 20

SQL = """
SELECT {key}, AVG(a.score * 100.0 / e.scale), COUNT(*), COUNT(DISTINCT e.id)
FROM evaluation_answer a
JOIN evaluation_evaluationitem i ON i.id = a.item_id
JOIN evaluation_classevaluation e ON e.id = i.evaluation_id
WHERE e.responses >= 3 AND e.year = %s AND e.org_path LIKE %s {extra}
GROUP BY {key}
"""


def _build(size: int) -> tuple[object, str]:
    city = org_create(actor=SYSTEM, code="BENCH-EVAL-C", name="评估基准市", kind=OrgKind.CITY)
    bureau = user_create(actor=SYSTEM, username="bench-eval-city", display_name="评估基准市局")
    role_assign(actor=SYSTEM, user=bureau, role=Role.CITY_BUREAU, org_id=city.id)
    schools = Institution.objects.bulk_create(
        [
            Institution(
                name=f"评估基准学院{i}",
                org_id=city.id,
                recognised_from=dt.date(YEAR, 1, 1),
                recognised_to=dt.date(YEAR, 12, 31),
            )
            for i in range(INSTITUTIONS)
        ]
    )
    teachers = Teacher.objects.bulk_create(
        [Teacher(name=f"基准教师{i}", org_id=city.id) for i in range(TEACHERS)]
    )
    n_forms = max(1, size // (QUESTIONS * RESPONSES))
    classes = TrainingClass.objects.bulk_create(
        [
            TrainingClass(
                code=f"BENCH-EVAL-{i}",
                title=f"评估基准班{i}",
                training_type="thematic",
                mode="off_the_job",
                organiser_id=city.id,
                institution_id=schools[i % INSTITUTIONS].pk,
                start_date=dt.date(YEAR, 3, 1),
                end_date=dt.date(YEAR, 3, 3),
                days=Decimal(3),
                total_hours=Decimal(24),
                capacity=RESPONSES,
                status="results_final",
            )
            for i in range(n_forms)
        ],
        batch_size=2000,
    )
    template = EvaluationTemplate.objects.create(
        name="评估基准模板", scale=5, dimensions=["plan"], org_path=city.path
    )
    forms = ClassEvaluation.objects.bulk_create(
        [
            ClassEvaluation(
                training_class_id=c.pk,
                template=template,
                scale=5,
                org_path=city.path,
                institution_id=c.institution_id,
                year=YEAR,
                opened_on=dt.date(YEAR, 3, 3),
                closes_on=dt.date(YEAR, 3, 17),
                invited=RESPONSES,
                responses=RESPONSES,
            )
            for c in classes
        ],
        batch_size=2000,
    )
    first_form, first_teacher = forms[0].pk, teachers[0].pk
    with connection.cursor() as cur:
        # 5 dimension questions and 2 teacher questions per form.
        cur.execute(
            """
            INSERT INTO evaluation_evaluationitem
                (evaluation_id, dimension, session_id, teacher_id, subject, label, position)
            SELECT e.id, d.dim, NULL,
                   CASE WHEN d.dim = 'teacher'
                        THEN %s + ((e.id - %s) * 2 + d.pos) %% %s END,
                   CASE WHEN d.dim = 'teacher' THEN 'law' ELSE '' END, d.dim, d.pos
            FROM evaluation_classevaluation e,
                 (VALUES ('plan', 1), ('content', 2), ('teacher', 3), ('teacher', 4),
                         ('organisation', 5), ('logistics', 6), ('overall', 7)) AS d(dim, pos)
            WHERE e.id >= %s
            """,
            [first_teacher, first_form, TEACHERS, first_form],
        )
        if connection.vendor == "postgresql":
            cur.execute(
                "INSERT INTO evaluation_response (id, evaluation_id, comment) "
                "SELECT gen_random_uuid(), e.id, '' FROM evaluation_classevaluation e, "
                "generate_series(1, %s) WHERE e.id >= %s",
                [RESPONSES, first_form],
            )
            cur.execute(
                "INSERT INTO evaluation_answer (response_id, item_id, score) "
                "SELECT r.id, i.id, 1 + floor(random() * 5)::int "
                "FROM evaluation_response r JOIN evaluation_evaluationitem i "
                "ON i.evaluation_id = r.evaluation_id WHERE r.evaluation_id >= %s",
                [first_form],
            )
            cur.execute("ANALYZE evaluation_answer")
            cur.execute("ANALYZE evaluation_evaluationitem")
            cur.execute("ANALYZE evaluation_classevaluation")
        else:  # SQLite: a smaller run checks the bench itself
            import random
            import uuid

            rng = random.Random(16)
            items: dict[int, list[int]] = {}
            cur.execute(
                "SELECT evaluation_id, id FROM evaluation_evaluationitem WHERE evaluation_id >= %s",
                [first_form],
            )
            for form, item in cur.fetchall():
                items.setdefault(form, []).append(item)
            for form, its in items.items():
                for _ in range(RESPONSES):
                    rid = uuid.uuid4().hex
                    cur.execute(
                        "INSERT INTO evaluation_response (id, evaluation_id, comment) "
                        "VALUES (%s, %s, '')",
                        [rid, form],
                    )
                    cur.executemany(
                        "INSERT INTO evaluation_answer (response_id, item_id, score) "
                        "VALUES (%s, %s, %s)",
                        [(rid, i, rng.randint(1, 5)) for i in its],
                    )
        cur.execute("SELECT COUNT(*) FROM evaluation_answer")
        sys.stderr.write(f"evaluation_scores: {cur.fetchone()[0]} answers, {n_forms} forms\n")
    return bureau, city.path


def _best(run: object, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        with timer() as elapsed:
            run()  # type: ignore[operator]
        best = min(best, elapsed())
    return best


@benchmark(
    "evaluation_scores",
    default_size=1_000_000,
    description="评估得分：按教师、按施教机构汇总匿名评分（秒，对照手写 GROUP BY）",
)
def evaluation_scores_bench(size: int) -> Measurement:
    with transaction.atomic():
        bureau, path = _build(size)

        def ours() -> None:
            answers = selectors.counted_answers(actor=bureau, year=YEAR)  # type: ignore[arg-type]
            assert selectors.teacher_scores(answers, {})
            assert selectors.institution_scores(answers, {})

        def plain() -> None:
            with connection.cursor() as cur:
                for key, extra in (
                    ("i.teacher_id", "AND i.teacher_id IS NOT NULL"),
                    ("e.institution_id", ""),
                ):
                    cur.execute(SQL.format(key=key, extra=extra), [YEAR, f"{path}%"])
                    assert cur.fetchall()

        plain()  # warm the caches for both
        value, baseline = _best(ours), _best(plain)
        transaction.set_rollback(True)
    return Measurement(
        value=value,
        unit="s",
        baseline=baseline,
        target="<= 2x the hand-written GROUP BY on postgresql",
        higher_is_better=False,
    )
