"""What the live state asks the service to do outside it (AMI actions, hand-off records)."""

from __future__ import annotations

from dataclasses import dataclass

from callflow.ami.actions import Action
from core.contracts import CallRecord, EmergencyReferral


@dataclass
class PauseSeat:
    ext: str
    reason: str


@dataclass
class PublishRecord:
    record: CallRecord | EmergencyReferral


@dataclass
class SendAction:
    """An AMI action the state asks for (e.g. a held citizen whose seat hung up is requeued)."""

    action: Action
    why: str


Effect = PauseSeat | PublishRecord | SendAction
