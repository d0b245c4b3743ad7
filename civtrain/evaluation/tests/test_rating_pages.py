"""The ratings the evaluations feed (CQ-B1, CQ-B2): a teacher's page shows their rating year
by year and the sessions they taught with each one's score; an institution's page shows its
classes, trainees and score — nothing until three trainees have answered."""

from typing import Any

import pytest

from civtrain.core import clock
from civtrain.evaluation import selectors, services
from civtrain.evaluation.models import ClassEvaluation
from civtrain.evaluation.tests.builders import LAST_DAY, ended_class

pytestmark = pytest.mark.django_db


def _answer(user: Any, form: ClassEvaluation, teacher_mark: int, other_mark: int) -> None:
    items = selectors.form_items(form.pk)
    services.evaluation_answer(
        actor=user,
        evaluation_id=form.pk,
        scores={i.pk: teacher_mark if i.teacher_id else other_mark for i in items},
    )


def _row(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_teacher_and_institution_pages_show_the_scores_from_evaluations(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    ended = ended_class(tree, actors, trainees=4)
    clock.freeze(LAST_DAY)
    services.evaluations_open_due()
    form = ClassEvaluation.objects.get(training_class_id=ended.class_id)
    client.force_login(actors["city"])
    teacher_url = f"/teachers/{ended.teachers[0]}/"
    institution_url = f"/institutions/{ended.institution_id}/"

    for user in ended.learners[:2]:
        _answer(user, form, 5, 4)
    page = client.get(teacher_url).content.decode()
    # Two answers are not shown (anyone could tell whose marks they are): no score yet.
    assert "尚无评估得分" in page
    sessions = _row(page, "teacher-sessions")
    assert "专题2" in sessions and "<td>—</td>" in sessions
    assert "<td>—</td>" in _row(client.get(institution_url).content.decode(), "institution-years")

    _answer(ended.learners[2], form, 4, 3)  # the third answer: figures count from now on
    page = client.get(teacher_url).content.decode()
    ratings = _row(page, "teacher-ratings")
    # Teacher 周教授: 5, 5, 4 of 5 → 100, 100, 80 → 93.3 out of 100, over 3 answers.
    assert "<td>2026</td><td>93.3</td><td>3</td>" in ratings
    assert "<td>93.3</td>" in _row(page, "teacher-sessions")

    years = _row(client.get(institution_url).content.decode(), "institution-years")
    # Every question of the form: two trainees 5 on the two teacher questions and 4 on the
    # five others, one 4 and 3: ((100·2 + 80·5)·2 + 80·2 + 60·5) / 21 = 79.0; 4 trainees.
    assert "<td>2026</td><td>1</td><td>4</td><td>79.0</td><td>21</td>" in years
    assert "有效" in client.get(institution_url).content.decode()


def test_pages_of_teachers_and_institutions_are_scoped(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    ended = ended_class(tree, actors, trainees=3)
    client.force_login(actors["other_city"])
    assert client.get(f"/teachers/{ended.teachers[0]}/").status_code == 404
    assert client.get(f"/institutions/{ended.institution_id}/").status_code == 404


def test_the_evaluator_report_downloads_as_a_pdf_with_its_figures(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    import io

    from pypdf import PdfReader

    from civtrain.evaluation.reports import draft

    ended = ended_class(tree, actors)
    clock.freeze(LAST_DAY)
    services.evaluations_open_due()
    form = ClassEvaluation.objects.get(training_class_id=ended.class_id)
    for user in ended.learners[:3]:
        _answer(user, form, 4, 4)
    evaluator = actors["evaluator"]
    services.evaluator_assign(actor=actors["city"], evaluation_id=form.pk, user_id=evaluator.pk)
    form = selectors.access_evaluation_by_id(evaluator, form.pk)
    body = draft(form, selectors.class_figures(form)) + "\n结论：良好 (Grade B)"
    services.report_save(actor=evaluator, evaluation_id=form.pk, body=body)
    client.force_login(evaluator)
    url = f"/evaluation/{form.pk}/report/{evaluator.pk}/pdf/"
    assert url in client.get(f"/evaluation/{form.pk}/report/{evaluator.pk}/print/").content.decode()
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Grade B" in text and "80.0" in text  # the figures filled in: 4 of 5 → 80.0
    fonts = PdfReader(io.BytesIO(response.content)).pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert names and all("Noto" in n for n in names)  # the vendored font, embedded
    client.force_login(actors["other_city"])
    assert client.get(url).status_code == 404
