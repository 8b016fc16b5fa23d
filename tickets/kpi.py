"""Performance indicators (DOMAIN.md §11; 002 三(二)2, 003 §18, 000 §29-30).

Per unit, over the lead assignments it received in the period [start, end):
- 响应率 response rate = first contact on or before the response deadline / assignments;
- 按时办结率 on-time completion = replied on or before the (possibly extended) completion
  deadline / assignments not returned;
- 退单率 return rate = assignments returned / assignments;
- 延期率 extension rate = assignments with an approved extension / assignments not returned;
- 解决率 and 满意率 over the callbacks answered in the period and attributed to the unit:
  resolved / callbacks and (满意 + 基本满意) / callbacks.
Per centre: 直接办结率 = tickets closed at intake / tickets accepted (created in the period, not
refused and not merged as duplicates).
A rate with an empty denominator is `None`, never 0 or 100 %.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tickets.models import Assignment, Survey, Ticket, Unit
from tickets.vocab import AssignmentRole, Satisfaction, Status


class UnitKpi(BaseModel):
    unit_code: str
    unit_name: str
    assigned: int
    responded_on_time: int
    response_rate: float | None
    returned: int
    return_rate: float | None
    completed_on_time: int
    on_time_rate: float | None
    extended: int
    extension_rate: float | None
    callbacks: int
    resolved: int
    resolution_rate: float | None
    satisfied: int
    satisfaction_rate: float | None


class CentreKpi(BaseModel):
    start: datetime
    end: datetime
    accepted: int
    closed_at_intake: int
    direct_close_rate: float | None
    not_accepted: int
    dispatched: int


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _check_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValueError("统计区间结束时间须晚于开始时间")


def unit_kpis(
    session: Session, start: datetime, end: datetime, unit_code: str | None = None
) -> list[UnitKpi]:
    _check_period(start, end)
    stmt = select(Assignment).where(
        Assignment.role == AssignmentRole.LEAD, Assignment.assigned_at >= start, Assignment.assigned_at < end
    )
    surveys_stmt = select(Survey).where(col(Survey.answered).is_(True), Survey.at >= start, Survey.at < end)
    if unit_code is not None:
        stmt = stmt.where(Assignment.unit_code == unit_code)
        surveys_stmt = surveys_stmt.where(Survey.unit_code == unit_code)
    assignments = session.exec(stmt).all()
    surveys = session.exec(surveys_stmt).all()
    names = {u.code: u.name for u in session.exec(select(Unit)).all()}
    codes = sorted({a.unit_code for a in assignments} | {s.unit_code for s in surveys if s.unit_code})
    out: list[UnitKpi] = []
    for code in codes:
        mine = [a for a in assignments if a.unit_code == code]
        kept = [a for a in mine if not a.returned]
        responded = sum(
            1 for a in mine if a.first_contact_at and a.response_due and a.first_contact_at <= a.response_due
        )
        on_time = sum(1 for a in kept if a.replied_at and a.complete_due and a.replied_at <= a.complete_due)
        returned = len(mine) - len(kept)
        extended = sum(1 for a in kept if a.extended)
        calls = [s for s in surveys if s.unit_code == code]
        resolved = sum(1 for s in calls if s.resolved)
        satisfied = sum(
            1 for s in calls if s.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
        )
        out.append(
            UnitKpi(
                unit_code=code,
                unit_name=names.get(code, code),
                assigned=len(mine),
                responded_on_time=responded,
                response_rate=rate(responded, len(mine)),
                returned=returned,
                return_rate=rate(returned, len(mine)),
                completed_on_time=on_time,
                on_time_rate=rate(on_time, len(kept)),
                extended=extended,
                extension_rate=rate(extended, len(kept)),
                callbacks=len(calls),
                resolved=resolved,
                resolution_rate=rate(resolved, len(calls)),
                satisfied=satisfied,
                satisfaction_rate=rate(satisfied, len(calls)),
            )
        )
    return out


def centre_kpi(session: Session, start: datetime, end: datetime) -> CentreKpi:
    _check_period(start, end)
    rows = session.exec(
        select(Ticket.status, Ticket.intake_closed, Ticket.dispatched_at).where(
            Ticket.created_at >= start, Ticket.created_at < end
        )
    ).all()
    refused = sum(1 for status, _closed, _d in rows if status == Status.NOT_ACCEPTED)
    merged = sum(1 for status, _closed, _d in rows if status == Status.MERGED)
    accepted = len(rows) - refused - merged
    direct = sum(1 for _s, closed, _d in rows if closed)
    dispatched = sum(1 for _s, _c, dispatched_at in rows if dispatched_at is not None)
    return CentreKpi(
        start=start,
        end=end,
        accepted=accepted,
        closed_at_intake=direct,
        direct_close_rate=rate(direct, accepted),
        not_accepted=refused,
        dispatched=dispatched,
    )


CSV_HEADER = [
    ("unit_code", "单位代码"),
    ("unit_name", "单位"),
    ("assigned", "派单数"),
    ("responded_on_time", "按时响应数"),
    ("response_rate", "响应率"),
    ("completed_on_time", "按时办结数"),
    ("on_time_rate", "按时办结率"),
    ("callbacks", "回访数"),
    ("resolved", "解决数"),
    ("resolution_rate", "解决率"),
    ("satisfied", "满意数"),
    ("satisfaction_rate", "满意率"),
    ("returned", "退单数"),
    ("return_rate", "退单率"),
    ("extended", "延期数"),
    ("extension_rate", "延期率"),
]


def to_csv(rows: list[UnitKpi]) -> str:
    """UTF-8 CSV with a BOM so that spreadsheet programs read the Chinese header."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _key, label in CSV_HEADER])
    for row in rows:
        data = row.model_dump()
        writer.writerow(["" if data[key] is None else data[key] for key, _label in CSV_HEADER])
    return "\ufeff" + buf.getvalue()
