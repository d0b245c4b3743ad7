"""Public types of needs surveys (CQ-M1): question kinds, need levels, who answers, the
standard template, and the findings a plan shows."""

from dataclasses import dataclass
from enum import StrEnum


class QuestionKind(StrEnum):
    SINGLE = "single"  # 单选
    MULTIPLE = "multiple"  # 多选
    RANKING = "ranking"  # 排序: the respondent orders up to RANK_TOP options
    TEXT = "text"  # 文字


QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: "单选",
    QuestionKind.MULTIPLE: "多选",
    QuestionKind.RANKING: "排序",
    QuestionKind.TEXT: "文字",
}

# A ranking question asks for the respondent's first, second and third choice; the
# results weigh them 3, 2, 1 (a Borda count).
RANK_TOP = 3


class NeedLevel(StrEnum):
    """CQ-M1: the needs of the organisation, of the post, and of the individual."""

    ORGANISATION = "organisation"
    POST = "post"
    INDIVIDUAL = "individual"


NEED_LEVEL_LABELS = {
    NeedLevel.ORGANISATION: "组织需求",
    NeedLevel.POST: "岗位需求",
    NeedLevel.INDIVIDUAL: "个人需求",
}


class Respondent(StrEnum):
    UNIT = "unit"  # each unit in the subtree answers once, through its HR office
    PERSON = "person"  # each civil servant of the population answers for themself


RESPONDENT_LABELS = {Respondent.UNIT: "各单位填报", Respondent.PERSON: "个人填报"}


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


SURVEY_STATUS_LABELS = {
    SurveyStatus.DRAFT: "草稿",
    SurveyStatus.OPEN: "调查中",
    SurveyStatus.CLOSED: "已结束",
}

# Template questions whose options are "every active subject of the catalogue" say so with
# this marker instead of a list: the survey gets the subjects of the day it is created.
SUBJECT_OPTIONS = "subjects"

STANDARD_TEMPLATE_NAME = "年度培训需求调查（标准）"
STANDARD_QUESTIONS: list[dict[str, object]] = [
    {
        "kind": QuestionKind.RANKING,
        "level": NeedLevel.ORGANISATION,
        "text": "本单位下一年度最需要加强的培训内容（按优先次序选三项）",
        "options": SUBJECT_OPTIONS,
    },
    {
        "kind": QuestionKind.MULTIPLE,
        "level": NeedLevel.POST,
        "text": "履行岗位职责最需要补充的知识和能力",
        "options": SUBJECT_OPTIONS,
    },
    {
        "kind": QuestionKind.MULTIPLE,
        "level": NeedLevel.INDIVIDUAL,
        "text": "个人最希望参加的培训内容",
        "options": SUBJECT_OPTIONS,
    },
    {
        "kind": QuestionKind.SINGLE,
        "level": NeedLevel.INDIVIDUAL,
        "text": "最适合的培训方式",
        "options": ["脱产集中培训", "网络在线学习", "专题讲座", "案例教学与现场教学"],
    },
    {
        "kind": QuestionKind.SINGLE,
        "level": NeedLevel.INDIVIDUAL,
        "text": "每期集中培训适宜的时长",
        "options": ["1 天以内", "2–3 天", "4–7 天", "7 天以上"],
    },
    {
        "kind": QuestionKind.TEXT,
        "level": NeedLevel.ORGANISATION,
        "text": "对下一年度培训工作的其他意见和建议",
        "options": [],
    },
]


@dataclass(frozen=True)
class SubjectDemand:
    """How many respondents asked for a subject, against the hours delivered in it."""

    subject: str
    name: str
    respondents: int  # respondents who chose it in any question
    share: float  # of all respondents, 0–100
    hours_delivered: float  # credit hours recorded in the subject in the survey's scope
    hours_share: float  # of all hours delivered in the scope that year, 0–100


@dataclass(frozen=True)
class SurveyFindings:
    """What a survey found, for a plan's page (CQ-M1: the survey comes before the plan)."""

    survey_id: int
    title: str
    org_path: str  # the node whose population it asked
    year: int
    status: str
    invited: int
    responses: int  # in the whole survey
    counted: int  # responses from the subtree the findings are restricted to
    demand: tuple[SubjectDemand, ...]  # most asked for first


@dataclass(frozen=True)
class SurveyChoice:
    """A survey a plan may attach: one whose population includes the plan's node."""

    id: int
    title: str
    year: int
    status: str
