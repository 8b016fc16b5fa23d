"""What every use case needs besides the session: the rules and the current time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.settings import Settings


@dataclass(frozen=True)
class Ctx:
    settings: Settings
    now: datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)
