"""Public interface of needs surveys (CQ-M1): what a plan shows of the survey before it,
and the writes the demo data and other apps' tests go through."""

from typing import Any

from civtrain.core.actors import Actor
from civtrain.surveys import selectors, services
from civtrain.surveys.data import SubjectDemand, SurveyChoice, SurveyFindings

__all__ = [
    "SubjectDemand",
    "SurveyChoice",
    "SurveyFindings",
    "survey_answer",
    "survey_close",
    "survey_create",
    "survey_findings",
    "survey_invitation_ids",
    "survey_open",
    "survey_questions",
    "surveys_covering",
]

# Surveys sent out whose population includes a node (a plan of that node may attach one).
surveys_covering = selectors.surveys_covering
# A survey's findings, restricted to the responses from a subtree (a unit's own answers).
survey_findings = selectors.findings
survey_create = services.survey_create
survey_open = services.survey_open
survey_answer = services.survey_answer
survey_close = services.survey_close


def survey_questions(survey_id: int) -> list[dict[str, Any]]:
    """A survey's questions (id, kind, level, text, option labels), in order."""
    return [
        {
            "id": q.pk,
            "kind": q.kind,
            "level": q.level,
            "text": q.text,
            "options": [o["label"] for o in q.options],
        }
        for q in selectors.SurveyQuestion.objects.filter(survey_id=survey_id)
    ]


def survey_invitation_ids(actor: Actor) -> list[int]:
    """The actor's questionnaires still to answer (theirs, and their units')."""
    return list(
        selectors.my_invitations(actor=actor).filter(answered=False).values_list("pk", flat=True)
    )
