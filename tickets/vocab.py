"""The words of the domain (DOMAIN.md §1, §5, §6, §9) as string enums.

The enum columns of `tickets.models` store the values as plain strings (VARCHAR, readable on both
databases) under a CHECK of the allowed values: a new value needs a migration that widens it.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    # DOMAIN.md §1: every channel lands in the same pipeline, with the channel recorded.
    PHONE = "phone"
    SMS = "sms"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    EMAIL = "email"
    PROVINCIAL = "provincial"


class TicketType(StrEnum):
    CONSULTATION = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "意见建议"
    PRAISE = "表扬"


class Urgency(StrEnum):
    NORMAL = "一般"
    URGENT = "紧急"
    MAJOR = "重大"


class Status(StrEnum):
    """DOMAIN.md §6 life cycle."""

    REGISTERED = "registered"  # 受理
    NOT_ACCEPTED = "not_accepted"  # 不予受理 (DOMAIN.md §3)
    DISPATCHED = "dispatched"  # 派单, waiting for 签收
    SIGNED = "signed"  # 签收
    CONTACTED = "contacted"  # 首次联系
    SENT_BACK = "sent_back"  # 审核退回: the unit replies again within the same deadline
    REPLIED = "replied"  # 答复, waiting for 审核
    RETURN_REQUESTED = "return_requested"  # 退单申请
    RETURNED = "returned"  # 退单 approved, waiting for 改派
    APPROVED = "approved"  # 审核通过, waiting for 回访
    CLOSED = "closed"  # 办结
    MERGED = "merged"  # 并单 into another ticket
    ARCHIVED = "archived"  # 归档


# A unit is working on the ticket: its completion clock runs.
UNIT_STATUSES = frozenset(
    {Status.DISPATCHED, Status.SIGNED, Status.CONTACTED, Status.SENT_BACK, Status.RETURN_REQUESTED}
)
TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.MERGED, Status.ARCHIVED, Status.NOT_ACCEPTED})
OPEN_STATUSES = frozenset(set(Status) - TERMINAL_STATUSES)


class Role(StrEnum):
    SEAT = "seat"
    SUPERVISOR = "supervisor"
    UNIT_HANDLER = "unit_handler"
    ADMIN = "admin"
    AUDITOR = "auditor"
    # The ticket writer and the supervision scheduler act as this role.
    SYSTEM = "system"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class CallbackKind(StrEnum):
    SURVEY = "survey"  # 回访 after the reply is approved (000 §25)
    MISSED_CALL = "missed_call"  # 漏接回拨: the citizen hung up in the queue


class AssignmentRole(StrEnum):
    LEAD = "lead"  # 主办
    ASSIST = "assist"  # 协办


class KbStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


# DOMAIN.md §3: reason codes of refusals.
NOT_ACCEPTED_REASONS: dict[str, str] = {
    "litigation": "已进入诉讼、仲裁、行政复议或信访程序",
    "special_organs": "涉及军队、武警、法院、检察院、人大等事项",
    "civil_dispute": "不属于行政职权范围的民事纠纷",
    "secrets": "涉及国家秘密、商业秘密、个人隐私或违背公序良俗",
    "emergency": "属于110/119/120/122紧急事项,已转接",
    "invalid": "无实际诉求(骚扰、误拨、无声电话)",
}
