"""`hotline classify` as a user runs it: sentences on stdin, one JSON object per line on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.conftest import REPO


def classify(stdin: bytes, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", "--log-level", "WARNING", "classify", *args],
        input=stdin,
        capture_output=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}, **env},
        cwd=REPO,
        timeout=120,
        check=False,
    )


def rows(proc: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def test_one_json_object_per_line_in_input_order() -> None:
    said = ["我家厨房着火了火很大快来人", "我想咨询一下社保卡丢了怎么补办", "", "公交车司机拒载还骂人"]
    proc = classify(("\n".join(said) + "\n").encode("utf-8"))
    assert proc.returncode == 0, proc.stderr.decode()
    fire, social, empty, bus = rows(proc)
    assert (fire["emergency"], fire["target"]) == ("fire", "119")
    assert (social["emergency"], social["target"]) == (None, None)
    assert (social["category_code"], social["category_label"]) == ("labour", "劳动和社会保障")
    assert 0.5 <= social["confidence"] <= 1.0
    assert (bus["category_code"], bus["category_label"]) == ("transport", "交通运输")
    # An empty line keeps its place as an object of nulls, so output lines match input lines.
    assert empty == dict.fromkeys(("emergency", "target", "category_code", "category_label", "confidence"))
    assert set(fire) == set(empty)


def test_target_is_the_deployments_emergency_number() -> None:
    numbers = json.dumps({"fire": "96119", "police": "110", "medical": "120", "traffic": "122"})
    proc = classify("我家厨房着火了火很大快来人\n".encode(), HOTLINE_EMERGENCY_NUMBERS=numbers)
    assert proc.returncode == 0, proc.stderr.decode()
    (fire,) = rows(proc)
    assert (fire["emergency"], fire["target"]) == ("fire", "96119")


def test_threshold_abstains_but_reports_confidence() -> None:
    proc = classify("我想咨询一下社保卡丢了怎么补办\n".encode(), "--min-confidence", "1.0")
    (row,) = rows(proc)
    assert (row["category_code"], row["category_label"]) == (None, None)
    assert 0.0 < row["confidence"] < 1.0
    via_env = rows(
        classify("我想咨询一下社保卡丢了怎么补办\n".encode(), HOTLINE_IVR_CATEGORY_MIN_CONFIDENCE="1")
    )
    assert via_env == [row]


def test_invalid_utf8_is_one_error_line_and_the_rest_goes_on() -> None:
    proc = classify("小区路灯坏了\n".encode() + b"\xff\xfe bad\n" + "公交车司机拒载还骂人\n".encode())
    assert proc.returncode == 1
    first, bad, last = rows(proc)
    assert first["category_code"] == "urban" and last["category_code"] == "transport"
    assert bad["error"] == "line 2 is not UTF-8 (byte 0xff at offset 0)"
    assert bad["category_code"] is None and bad["confidence"] is None
    err = proc.stderr.decode()
    assert "line 2 is not UTF-8" in err and "Traceback" not in err
