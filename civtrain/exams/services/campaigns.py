"""The year-end online test as a campaign (ZZ-N3; issue #14 item 6): a population (an org
subtree, optionally some categories and ranks), a window, one paper drawn for everyone."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from civtrain.accounts.api import SYSTEM, actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.core.writes import save_audited
from civtrain.exams import selectors
from civtrain.exams.data import BlueprintRow
from civtrain.exams.errors import ExamsError, ExamsErrorCode
from civtrain.exams.models import Campaign, Candidate, Paper
from civtrain.exams.services.papers import candidates_insert, paper_create, population_rows
from civtrain.inbox.api import inbox_send
from civtrain.organisations.api import org_in_scope
from civtrain.people.data import RANKS, Category


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    title: str,
    year: int,
    org_id: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    pass_mark: Decimal,
    questions: Sequence[tuple[int, Decimal]] = (),
    blueprint: Sequence[BlueprintRow] = (),
    time_limit_minutes: int = 60,
    max_attempts: int = 1,
    open_book: bool = False,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
    categories: Sequence[str] = (),
    ranks: Sequence[str] = (),
    hours: Decimal = Decimal(1),
    exam_code: str = "year-end-test",
) -> tuple[Campaign, Paper, int]:
    """The campaign, its paper and its candidates (returned: how many)."""
    org = org_in_scope(actor, org_id, selectors.ORGANISERS)
    if closes_at <= opens_at:
        raise ExamsError(ExamsErrorCode.INVALID_CAMPAIGN, "截止时间须晚于开放时间")
    if not opens_at.astimezone().year <= year + 1 or not 2000 <= year <= 2100:
        raise ExamsError(ExamsErrorCode.INVALID_CAMPAIGN, "年度不正确")
    if not title.strip() or len(title.strip()) > 200:
        raise ExamsError(ExamsErrorCode.INVALID_CAMPAIGN, "名称不能为空，且不超过200个字")
    unknown = set(categories) - set(Category)
    if unknown or set(ranks) - set(RANKS):
        raise ExamsError(ExamsErrorCode.INVALID_CAMPAIGN, "人员类别或职级不正确")
    if not Decimal(0) <= hours <= 100:
        raise ExamsError(ExamsErrorCode.INVALID_CAMPAIGN, "通过计学时应在 0 到 100 之间")
    if not exam_code.strip() or ":" in exam_code:
        raise ExamsError(ExamsErrorCode.INVALID_CAMPAIGN, "考试代码不能为空，且不能含“:”")
    campaign = Campaign(
        title=title.strip(),
        year=year,
        org_id=org.id,
        categories=list(categories),
        ranks=list(ranks),
        exam_code=exam_code.strip(),
        hours=hours,
        created_by_id=actor.pk,
    )
    save_audited(
        campaign,
        actor=actor,
        action="exams.campaign_create",
        object_type="exam_campaign",
        label=campaign.title,
        org_path=org.path,
        changes={"year": year, "categories": list(categories), "ranks": list(ranks)},
    )
    paper = paper_create(
        actor=actor,
        title=campaign.title,
        org_id=org.id,
        pass_mark=pass_mark,
        questions=questions,
        blueprint=blueprint,
        time_limit_minutes=time_limit_minutes,
        max_attempts=max_attempts,
        open_book=open_book,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
        opens_at=opens_at,
        closes_at=closes_at,
        campaign_id=campaign.pk,
    )
    # A pass moves compliance at once (issue #14 item 6): results need no separate release.
    paper.results_released = True
    paper.save(update_fields=["results_released"])
    added = candidates_insert(paper, population_rows(actor, org.path, categories, ranks))
    return campaign, paper, added


def _window_open(paper: Paper) -> bool:
    now = clock.now()
    return (paper.opens_at is None or paper.opens_at <= now) and (
        paper.closes_at is None or now < paper.closes_at
    )


@transaction.atomic
def campaign_remind(*, actor: Actor, campaign_id: int) -> int:
    """Remind, through the inbox, every candidate who has not passed yet while the window is
    open (issue #14 item 6); at most once a day each (the inbox's dedupe key). Returns how
    many messages were queued."""
    campaign = selectors.access_campaign_by_id(actor, campaign_id)
    if not actor_scope(actor).covers(campaign.org.path, *selectors.ORGANISERS):
        raise NotFound("测试活动不存在或无权访问")
    paper = Paper.objects.filter(campaign=campaign).order_by("id").first()
    if paper is None or not _window_open(paper):
        return 0
    person_ids = list(
        Candidate.objects.filter(paper=paper)
        .exclude(passed=True)
        .values_list("person_id", flat=True)
    )
    closes = (
        paper.closes_at.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M") if paper.closes_at else ""
    )
    sent = inbox_send(
        actor=actor,
        kind="exam_reminder",
        subject=f"请参加{campaign.title}",
        body=f"{campaign.title}开放至 {closes}，请按时完成。" if closes else "",
        url=reverse("exams:take", args=[paper.pk]),
        person_ids=person_ids,
        dedupe_key=f"exam-campaign:{campaign.pk}:{clock.today().isoformat()}",
    )
    audit_record(
        actor=actor,
        action="exams.campaign_remind",
        object_type="exam_campaign",
        object_id=campaign.pk,
        object_label=campaign.title,
        org_path=campaign.org.path,
        changes={"candidates": len(person_ids), "queued": sent},
    )
    return sent


def reminders_send_due() -> int:
    """The daily task: remind the candidates of every campaign whose window is open."""
    total = 0
    for campaign_id in Campaign.objects.values_list("pk", flat=True):
        total += campaign_remind(actor=SYSTEM, campaign_id=campaign_id)
    return total
