"""What a graded, released attempt changes elsewhere (issue #14 items 5–6).

- A year-end campaign's pass (ZZ-N3) is credited to the ledger as an exam entry whose
  source_ref is `exam:<campaign's exam code>:<campaign id>`: the explicit link the
  compliance rule `exam_passed` reads (ADR 0019). One entry per person and campaign — the
  ledger's (person, source type, source ref) key makes a second pass write nothing.
- A class's completion exam (ZZ-M1) records the best score, as a percentage, as the
  trainee's exam score through enrolment's results service; the class's weights make the
  result, and finalising the class writes the ledger entry and the unit's feedback as before.
"""

from decimal import Decimal

from civtrain.accounts.api import SYSTEM
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.credits.api import Result, SourceType, credit_entry_record
from civtrain.enrolment.api import ResultInput, enrolled_person_ids, results_record
from civtrain.exams.data import AttemptStatus
from civtrain.exams.models import Attempt, Campaign, Paper

HUNDRED = Decimal(100)


def campaign_source_ref(campaign: Campaign) -> str:
    return f"exam:{campaign.exam_code}:{campaign.pk}"


def credit_pass(attempt: Attempt, campaign: Campaign) -> None:
    """ZZ-N3: the year-end test passed — credited by the platform itself (SYSTEM)."""
    if attempt.submitted_at is None or not attempt.passed:
        return
    credit_entry_record(
        actor=SYSTEM,
        person_id=attempt.person_id,
        title=campaign.title,
        date=attempt.submitted_at.astimezone(clock.TZ).date(),
        hours=campaign.hours,
        training_type="in_service",
        mode="online",
        source_type=SourceType.EXAM,
        source_ref=campaign_source_ref(campaign),
        result=Result.PASSED,
        score=attempt.score,
    )


def _best_graded(paper: Paper) -> dict[int, Attempt]:
    best: dict[int, Attempt] = {}
    for a in Attempt.objects.filter(paper=paper, status=AttemptStatus.GRADED).order_by("number"):
        held = best.get(a.person_id)
        if held is None or (a.score or 0) > (held.score or 0):
            best[a.person_id] = a
    return best


def record_class_scores(actor: Actor, paper: Paper, best: dict[int, Attempt]) -> int:
    """ZZ-M1: each trainee's best score (as a percentage) becomes their exam score."""
    if paper.training_class_id is None:
        return 0
    enrolments = enrolled_person_ids(paper.training_class_id)
    rows = [
        ResultInput(
            enrolment_id=enrolments[pid],
            exam_score=(a.score * HUNDRED / a.max_points).quantize(Decimal("0.1")),
        )
        for pid, a in best.items()
        if pid in enrolments and a.score is not None
    ]
    if rows:
        results_record(actor=actor, class_id=paper.training_class_id, rows=rows)
    return len(rows)


def settle_attempt(attempt: Attempt) -> None:
    """Called when an attempt is graded: a released campaign paper credits a pass at once."""
    paper = attempt.paper
    if paper.results_released and paper.campaign_id is not None and attempt.passed:
        credit_pass(attempt, paper.campaign)  # type: ignore[arg-type]


def settle_paper(*, actor: Actor, paper: Paper) -> int:
    best = _best_graded(paper)
    if paper.training_class_id is not None:
        return record_class_scores(actor, paper, best)
    if paper.campaign_id is not None:
        passes = [a for a in best.values() if a.passed]
        for a in passes:
            credit_pass(a, paper.campaign)  # type: ignore[arg-type]
        return len(passes)
    return 0
