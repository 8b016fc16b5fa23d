"""The few JSON views the pages need beyond the ticket REST API.

- `/api/web/meta`: the words of the forms (types, urgencies, refusal reasons, the deployment's
  emergency services and numbers from settings.emergency_numbers, queues), so the pages never
  hard-code them.
- `/api/web/charts`: the wallboard's pictures: today's calls by hour, today's hot categories and
  the service level over the last 24 hours, from the call records the ticket writer stored.
- `/api/web/portal/tickets`: a unit's tickets with the working days left on each deadline.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlmodel import Session, col, select

from agent_desk.api.deps import CtxDep, DbDep, SettingsDep, require_roles
from core.settings import EmergencyLine, Settings
from tickets import policy, queries
from tickets.actors import Actor
from tickets.deadlines import WorkCalendar
from tickets.errors import CalendarUnknown
from tickets.lifecycle import LABELS
from tickets.models import CallLink, Category, Ticket
from tickets.policy import PortalTicket
from tickets.schemas import TicketFilter
from tickets.vocab import NOT_ACCEPTED_REASONS, Channel, Role, TicketType, Urgency

router = APIRouter(prefix="/api/web", tags=["web"])

SupervisingDep = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
UnitDep = Annotated[Actor, Depends(require_roles(Role.UNIT_HANDLER))]

# Reasons a seat gives for 示忙; the three-ring pause reason is set by the system, not chosen.
PAUSE_REASONS = ["小休", "培训", "会议", "就餐", "其他"]
QUEUE_OUTCOMES = ("answered", "abandoned", "unanswered")


class WebMeta(BaseModel):
    city: str
    ticket_types: list[str]
    urgencies: list[str]
    channels: list[str]
    not_accepted_reasons: dict[str, str]
    # The desk's 紧急转接 list, number → "119 火警", and the services behind it (settings.emergency_numbers).
    emergency: dict[str, str]
    emergency_services: list[EmergencyLine]
    queues: dict[str, str]
    pause_reasons: list[str]
    service_level_s: int
    # Event names of a ticket's history that are not life-cycle actions get their label here.
    action_labels: dict[str, str]


def _emergency_choices(settings: Settings) -> dict[str, str]:
    choices: dict[str, list[str]] = {}
    for line in settings.emergency_lines():
        labels = choices.setdefault(line.number, [])
        if line.label:
            labels.append(line.label)
    return {number: " ".join([number, "/".join(labels)]).strip() for number, labels in choices.items()}


@router.get("/meta", response_model=WebMeta, summary="页面使用的枚举值(含本地紧急号码)")
async def meta(settings: SettingsDep) -> WebMeta:
    return WebMeta(
        city=settings.city,
        ticket_types=[t.value for t in TicketType],
        urgencies=[u.value for u in Urgency],
        channels=[c.value for c in Channel],
        not_accepted_reasons=NOT_ACCEPTED_REASONS,
        emergency=_emergency_choices(settings),
        emergency_services=settings.emergency_lines(),
        queues={q.name: q.title for q in settings.queues},
        pause_reasons=PAUSE_REASONS,
        service_level_s=settings.calls.service_level_s,
        action_labels={
            "register": "受理",
            "call_linked": "关联通话",
            **{a.value: label for a, label in LABELS.items()},
        },
    )


class HourBucket(BaseModel):
    hour: int
    answered: int = 0
    abandoned: int = 0
    other: int = 0


class CategoryCount(BaseModel):
    code: str
    name: str
    count: int


class QueueLevel(BaseModel):
    queue: str
    offered: int
    within_sl: int
    rate: float | None


class Charts(BaseModel):
    day: date
    hours: list[HourBucket]
    categories: list[CategoryCount]
    service_level_24h: list[QueueLevel]


def _charts(session: Session, now: datetime, tz: ZoneInfo, sl_s: int) -> Charts:
    local_now = now.astimezone(tz)
    day_start = datetime.combine(local_now.date(), datetime.min.time(), tzinfo=tz)
    since = min(day_start, now - timedelta(hours=24))
    calls = session.exec(select(CallLink).where(col(CallLink.started_at) >= since)).all()
    hours = [HourBucket(hour=h) for h in range(24)]
    offered: Counter[str] = Counter()
    within: Counter[str] = Counter()
    for call in calls:
        started = call.started_at.astimezone(tz)
        if started >= day_start:
            bucket = hours[started.hour]
            if call.outcome == "answered":
                bucket.answered += 1
            elif call.outcome == "abandoned":
                bucket.abandoned += 1
            else:
                bucket.other += 1
        # Service level over a sliding 24 h: answered within the threshold / calls that reached a queue.
        if call.started_at >= now - timedelta(hours=24) and call.queue and call.outcome in QUEUE_OUTCOMES:
            offered[call.queue] += 1
            if call.outcome == "answered" and call.wait_s is not None and call.wait_s <= sl_s:
                within[call.queue] += 1
    names = {c.code: c.name for c in session.exec(select(Category)).all()}
    counts: Counter[str] = Counter(
        t.category_code
        for t in session.exec(select(Ticket).where(col(Ticket.created_at) >= day_start)).all()
        if t.category_code
    )
    return Charts(
        day=local_now.date(),
        hours=hours,
        categories=[CategoryCount(code=c, name=names.get(c, c), count=n) for c, n in counts.most_common(8)],
        service_level_24h=[
            QueueLevel(queue=q, offered=n, within_sl=within[q], rate=within[q] / n if n else None)
            for q, n in sorted(offered.items())
        ],
    )


@router.get("/charts", response_model=Charts, summary="监控大屏图表:今日分时来电、热点分类、24小时服务水平")
async def charts(_actor: SupervisingDep, db: DbDep, ctx: CtxDep) -> Charts:
    sl_s = ctx.settings.calls.service_level_s
    return await db.run(lambda s: _charts(s, ctx.now, ctx.tz, sl_s))


def _days_left(calendar: WorkCalendar, today: date, due: datetime | None, tz: ZoneInfo) -> int | None:
    if due is None:
        return None
    due_day = due.astimezone(tz).date()
    try:
        if due_day >= today:
            return calendar.working_days_between(today, due_day)
        return -calendar.working_days_between(due_day, today)
    except CalendarUnknown:
        return None


@router.get("/portal/tickets", response_model=list[PortalTicket], summary="本单位工单(含剩余工作日)")
async def portal_tickets(actor: UnitDep, db: DbDep, ctx: CtxDep) -> list[PortalTicket]:
    def work(session: Session) -> list[PortalTicket]:
        rows = queries.find_tickets(session, actor, TicketFilter(limit=200), ctx)
        calendar = WorkCalendar.load(session)
        today = ctx.now.astimezone(ctx.tz).date()
        viewer = policy.viewer_for(session, actor)
        return policy.portal_items(
            session, viewer, rows, ctx.now, lambda due: _days_left(calendar, today, due, ctx.tz)
        )

    return await db.run(work)
