"""The year-end online test end to end (ZZ-N3; issue #14 item 6, must-show): a campaign for
a district, candidates pass and fail, the unit's rates, and `civtrain compliance` shows
`zz-n3-exam` met for those who passed and not for the others."""

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from civtrain.accounts.api import SYSTEM, Role, User
from civtrain.compliance.api import rulesets_install
from civtrain.core import clock
from civtrain.exams import selectors, services
from civtrain.exams.models import Question
from civtrain.exams.rates import campaign_rates
from civtrain.exams.tests.builders import answers_right, bank_of_every_type
from civtrain.inbox.api import messages_for
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.testing import make_person, make_user

pytestmark = pytest.mark.django_db

OPENS = dt.datetime(2015, 12, 1, 8, 0, tzinfo=clock.TZ)


@pytest.fixture
def zhengzhou(tree: Any) -> dict[str, Any]:
    """郑州 (C2, zhengzhou-2014 bound for 2014–2016) with a district Z1 and two units."""
    rulesets_install(
        actor=SYSTEM,
        bindings=[("zhengzhou-2014", "C2", dt.date(2014, 1, 1), dt.date(2016, 12, 31))],
    )
    org_create(actor=SYSTEM, code="Z1", name="金水区", kind=OrgKind.DISTRICT, parent_code="C2")
    org_create(actor=SYSTEM, code="Z1-A", name="金水区人社局", kind=OrgKind.UNIT, parent_code="Z1")
    org_create(actor=SYSTEM, code="Z1-B", name="金水区司法局", kind=OrgKind.UNIT, parent_code="Z1")
    return org_by_codes()


def _sit(user: Any, paper_id: int, right: bool) -> None:
    attempt = services.attempt_start(actor=user, paper_id=paper_id)
    for qid, response in answers_right(attempt).items():
        if right:
            services.answer_save(
                actor=user, attempt_id=attempt.pk, question_id=qid, response=response
            )
    services.attempt_submit(actor=user, attempt_id=attempt.pk)


def test_year_end_campaign_moves_compliance(zhengzhou: dict[str, Any]) -> None:
    clock.freeze(OPENS + dt.timedelta(days=2))
    organiser = make_user(Role.DISTRICT_BUREAU, zhengzhou["Z1"])
    hr = make_user(Role.UNIT_HR, zhengzhou["Z1-A"])
    a1 = make_person(zhengzhou["Z1-A"], name="甲")
    a2 = make_person(zhengzhou["Z1-A"], name="乙")
    b1 = make_person(zhengzhou["Z1-B"], name="丙")
    make_person(zhengzhou["U3"], name="丁")  # in 郑州, not in the district
    bank = bank_of_every_type(organiser, zhengzhou["Z1"])
    objective = Question.objects.filter(bank=bank).exclude(kind="short").order_by("id")
    campaign, paper, added = services.campaign_create(
        actor=organiser, title="2015年度网上学习效果测试", year=2015, org_id=zhengzhou["Z1"].id,
        opens_at=OPENS, closes_at=OPENS + dt.timedelta(days=14), pass_mark=Decimal(6),
        questions=[(q.pk, Decimal(2)) for q in objective],
    )  # fmt: skip
    assert added == 3  # the district's people; 丁 is elsewhere
    users = {p.id: User.objects.get(pk=p.user_id) for p in (a1, a2, b1)}
    _sit(users[a1.id], paper.pk, right=True)
    _sit(users[a2.id], paper.pk, right=False)  # 乙 fails; 丙 never sits

    rates = {r.label: r for r in campaign_rates(actor=organiser, campaign_id=campaign.pk)}
    assert (
        rates["金水区人社局"].candidates,
        rates["金水区人社局"].sat,
        rates["金水区人社局"].passed,
    ) == (2, 2, 1)
    assert (rates["金水区司法局"].candidates, rates["金水区司法局"].sat) == (1, 0)
    # the unit's HR sees their own unit only
    assert [r.label for r in campaign_rates(actor=hr, campaign_id=campaign.pk)] == ["金水区人社局"]

    out = io.StringIO()
    call_command("compliance", "--year", "2015", "--unit", "C2", "--as-of", "2016-01-01",
                 "--format", "json", stdout=out, stderr=io.StringIO())  # fmt: skip
    met = {}
    for person in json.loads(out.getvalue()):
        n3 = [o for o in person["outcomes"] if o["rule"] == "zz-n3-exam"]
        met[person["name"]] = n3[0]["status"]
    assert met == {"甲": "met", "乙": "missed", "丙": "missed", "丁": "missed"}

    # reminders through the inbox: those who have not passed, once a day
    assert services.campaign_remind(actor=organiser, campaign_id=campaign.pk) == 2
    assert services.campaign_remind(actor=organiser, campaign_id=campaign.pk) == 0
    reminded = messages_for(users[b1.id].pk, kind="exam_reminder")
    assert [m.subject for m in reminded] == ["请参加2015年度网上学习效果测试"]
    assert messages_for(users[a1.id].pk, kind="exam_reminder") == []

    # a make-up for 乙, passed: compliance moves for 乙 too
    services.candidate_grant_makeup(actor=organiser, paper_id=paper.pk, person_id=a2.id)
    _sit(users[a2.id], paper.pk, right=True)
    assert selectors.Candidate.objects.get(paper=paper, person_id=a2.id).passed is True
    out = io.StringIO()
    call_command("compliance", "--year", "2015", "--unit", "Z1-A", "--as-of", "2016-01-01",
                 "--format", "json", stdout=out, stderr=io.StringIO())  # fmt: skip
    statuses = {p["name"]: [o["status"] for o in p["outcomes"] if o["rule"] == "zz-n3-exam"]
                for p in json.loads(out.getvalue())}  # fmt: skip
    assert statuses == {"甲": ["met"], "乙": ["met"]}
