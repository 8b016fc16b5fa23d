"""An IVR re-route to an emergency number that the AMI role only sees at resync (DOMAIN.md §3):
the role restarts between the IVR's HOTLINE_ACTION and its HOTLINE_TARGET, and the citizen's
channel is found dialling 119 in the emergency context. Replayed over real TCP into real Redis,
from `emergency_from_ivr` with only values changed (the current dialplan dials from
`hotline-emergency`, extension = the number; the recording's dialplan dialled from `from-trunk`)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from redis.asyncio import Redis

from core import dialplan
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness

WAIT_S = 20.0
CITIZEN = "PJSIP/world-00000006"
DIAL_AT = 9.803  # the citizen's Newexten into Dial(119@world)
TARGET_VARSET = 5  # the fifth VarSet of the capture is HOTLINE_TARGET=119
# From that VarSet (t 9.3782) to just after DialBegin (9.8039) and before DialEnd (9.8059).
LOST_S = 0.427


def _emergency_context_capture(captures: Path, tmp_path: Path) -> Path:
    out = tmp_path / "emergency_from_ivr"
    shutil.copytree(captures / "emergency_from_ivr", out)
    lines = []
    for line in (out / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        raw = entry["raw"]
        if entry["dir"] == "recv" and entry["t"] >= DIAL_AT and f"Channel: {CITIZEN}\r\n" in raw:
            raw = raw.replace(
                "\r\nContext: from-trunk\r\nExten: 12345\r\n",
                f"\r\nContext: {dialplan.CTX_EMERGENCY}\r\nExten: 119\r\n",
            )
        entry["raw"] = raw
        lines.append(json.dumps(entry, ensure_ascii=False))
    (out / "ami.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


async def test_an_ivr_reroute_seen_only_at_resync_is_the_ivrs(
    captures: Path, settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    capture = _emergency_context_capture(captures, tmp_path)
    async with CallflowHarness(capture, settings, redis) as h:
        h.server.hold_before("VarSet", TARGET_VARSET)
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()  # HOTLINE_ACTION=emergency is in the Redis view of the call
        before = [a for a in h.ops("wallboard", "alert") if a["kind"] == "emergency"]
        assert before == []  # no target yet: the IVR's alert waits for it

        async def switch_goes_on() -> None:
            await h.server.drop_clients(lose_s=LOST_S)

        # The new process learns the call from Redis and finds the citizen dialling at resync.
        await h.restart_service(while_down=switch_goes_on)
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        (referral,) = await h.referrals()
        alerts = [a for a in h.ops("wallboard", "alert") if a["kind"] == "emergency"]
        transfers = h.ops("wallboard", "transfer")
    assert h.server.logins == 2
    # Neither the target's VarSet nor the Dial's start reached the AMI role: only the resync did.
    assert "DialBegin" not in h.server.streamed
    assert (referral.linkedid, referral.target, referral.source, referral.outcome) == (
        record.linkedid,
        "119",
        "ivr",
        "answered",  # settled by the DialEnd after the resync
    )
    assert referral.seat is None
    # Not a transfer made behind the backend's back: no "events" transfer, one IVR alert.
    assert record.transfers == [] and transfers == []
    assert [(a["target"], a["source"], a["linkedid"]) for a in alerts] == [("119", "ivr", record.linkedid)]
    assert record.outcome == "emergency_referred"
    assert record.ivr is not None and (record.ivr.action, record.ivr.target) == ("emergency", None)
