"""The key the caller pressed at the IVR menu reaches the call record (IvrResult.dtmf): the IVR
sets core.dialplan.VAR_DTMF and callflow reads its AMI VarSet. The VarSet is the dtmf_at_prompt
capture's own HOTLINE_QUEUE VarSet with only its variable name and value changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from callflow.ami.protocol import AmiParser
from callflow.handlers import build_dispatcher, event_filters
from callflow.live import LiveState, PublishRecord
from core.contracts import CallRecord
from core.dialplan import VAR_DTMF, VAR_QUEUE
from core.settings import Settings


def test_the_pressed_key_is_on_the_call_record(captures: Path, settings: Settings) -> None:
    state = LiveState(settings)
    dispatcher = build_dispatcher(state)
    # The event filters the AMI role installs let this VarSet through.
    assert any(re.search(p, f"Variable: {VAR_DTMF}") for p in event_filters(dispatcher) if "Variable" in p)
    for line in (captures / "dtmf_at_prompt" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        raw: str = entry["raw"]
        if entry["dir"] != "recv" or not raw.startswith("Event: "):
            continue
        blocks = [raw]
        if raw.startswith("Event: VarSet") and f"Variable: {VAR_QUEUE}\r\n" in raw:
            value = raw.split("Value: ", 1)[1].split("\r\n", 1)[0]
            blocks.append(
                raw.replace(f"Variable: {VAR_QUEUE}\r\n", f"Variable: {VAR_DTMF}\r\n").replace(
                    f"Value: {value}\r\n", "Value: 1\r\n"
                )
            )
        for text in blocks:
            for block in AmiParser().feed(text.encode()):
                dispatcher.dispatch_raw(block)
    (record,) = [e.record for e in state.effects if isinstance(e, PublishRecord) and e.record.kind == "call"]
    assert isinstance(record, CallRecord) and record.ivr is not None
    assert (record.ivr.dtmf, record.ivr.queue, record.outcome) == ("1", "q-general", "abandoned")
