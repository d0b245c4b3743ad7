"""Vocabulary shared by classes, the ledger and the rule sets (REQUIREMENTS §2)."""

from enum import StrEnum


class TrainingType(StrEnum):
    """ZZ-T1, CQ-T6: the four types; 专题 and 对口 are kinds of in-service training (CQ-T8)."""

    INITIAL = "initial"  # 初任培训
    APPOINTMENT = "appointment"  # 任职培训
    SPECIALISED = "specialised"  # 专门业务培训
    IN_SERVICE = "in_service"  # 在职培训
    THEMATIC = "thematic"  # 专题培训 (in-service)
    PAIRED = "paired"  # 对口培训 (in-service)


TRAINING_TYPE_LABELS = {
    TrainingType.INITIAL: "初任培训",
    TrainingType.APPOINTMENT: "任职培训",
    TrainingType.SPECIALISED: "专门业务培训",
    TrainingType.IN_SERVICE: "在职培训",
    TrainingType.THEMATIC: "专题培训",
    TrainingType.PAIRED: "对口培训",
}


class DeliveryMode(StrEnum):
    """CQ-M2: how the training was delivered."""

    OFF_THE_JOB = "off_the_job"  # 脱产
    ONLINE = "online"  # 网络
    ON_SITE = "on_site"  # 现场教学
    SEMINAR = "seminar"  # 研讨
    BLENDED = "blended"  # 混合
    SELF_STUDY = "self_study"  # 在职自学


DELIVERY_MODE_LABELS = {
    DeliveryMode.OFF_THE_JOB: "脱产",
    DeliveryMode.ONLINE: "网络",
    DeliveryMode.ON_SITE: "现场教学",
    DeliveryMode.SEMINAR: "研讨",
    DeliveryMode.BLENDED: "混合",
    DeliveryMode.SELF_STUDY: "在职自学",
}

# The subject taxonomy's shipped entries (ZZ-T2, CQ-T1…T5), seeded into the catalogue's
# Subject table by migration 0002. The city bureau may add more there; that table is the one
# list every app validates against (catalogue.api.subject_names / subjects_unknown), never
# this dict.
DEFAULT_SUBJECTS = {
    "theory": "政治理论",
    "ethics": "职业道德",
    "governance": "施政能力",
    "law": "法治",
    "internet_gov": "互联网+政务服务",
    "writing": "公文写作",
    "mass_work": "群众工作",
    "economics": "经济与管理",
    "culture": "人文素养",
    "professional": "业务知识",
    "lecture_series": "大讲堂",
}

# 专题 and 对口 are kinds of in-service training: rules counting in-service hours count them too.
IN_SERVICE_KINDS = frozenset({TrainingType.IN_SERVICE, TrainingType.THEMATIC, TrainingType.PAIRED})


def base_type(training_type: TrainingType) -> TrainingType:
    """One of the four types of ZZ-T1 / CQ-T6 that `training_type` belongs to."""
    return TrainingType.IN_SERVICE if training_type in IN_SERVICE_KINDS else training_type
