"""The blind held-out sets of issue 13 (ivr/data/emergency_blind*.tsv) stay usable as a measurement:
every line parses as label<TAB>text with a known label, no utterance is counted twice (spaces from
word-segmenting ASR engines do not make a new utterance), and each service keeps enough genuine
cases and the hotline enough hard non-emergencies for per-service recall/precision to mean
something. This checks the files only; it never runs the detector (the sets are never tuned on)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ivr.data

DATA = Path(ivr.data.__file__).parent
SERVICES = ("fire", "police", "medical", "traffic")
# "+medical": the caller says someone is hurt, so 120 is needed besides the first service.
LABELS = frozenset({*SERVICES, "none", "traffic+medical", "fire+medical", "police+medical"})
# ASR output carries no punctuation; a punctuated line was typed, not transcribed.
PUNCTUATION = re.compile(r"[，。！？、；：,.!?;:\"“”'‘’()（）]")


def parse(text: str) -> list[tuple[str, str]]:
    """Rows of a blind set; raises ValueError naming the first malformed line."""
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise ValueError(f"line {number}: expected label<TAB>text, got {len(fields)} fields")
        label, utterance = fields
        if label not in LABELS:
            raise ValueError(f"line {number}: unknown label {label!r}")
        if utterance != utterance.strip() or "  " in utterance or not utterance:
            raise ValueError(f"line {number}: stray or missing whitespace in {utterance!r}")
        if PUNCTUATION.search(utterance):
            raise ValueError(f"line {number}: punctuation in an ASR transcript: {utterance!r}")
        rows.append((label, utterance))
    return rows


def key(utterance: str) -> str:
    """Identity of an utterance: the same words with or without the spaces some engines insert."""
    return utterance.replace(" ", "")


def per_service(rows: list[tuple[str, str]]) -> dict[str, int]:
    counts = dict.fromkeys((*SERVICES, "none"), 0)
    for label, _text in rows:
        for part in label.split("+"):
            counts[part] += 1
    return counts


def load(name: str) -> list[tuple[str, str]]:
    return parse((DATA / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "per_service_min", "none_min"),
    [("emergency_blind.tsv", 90, 360), ("emergency_blind2.tsv", 70, 280)],
)
def test_blind_set_parses_and_is_large_enough(name: str, per_service_min: int, none_min: int) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.startswith("#"), "the file opens with its header comment (what it is, never tuned on)"
    assert "never tune" in text.lower()
    rows = parse(text)
    keys = [key(utterance) for _label, utterance in rows]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"{name}: utterances listed twice: {duplicates[:5]}"
    assert all(4 <= len(k) <= 60 for k in keys), "utterances are 4 to 60 characters"
    counts = per_service(rows)
    for service in SERVICES:
        assert counts[service] >= per_service_min, f"{name}: only {counts[service]} {service}"
    assert counts["none"] >= none_min, f"{name}: only {counts['none']} non-emergencies"
    # Some lines keep the spaces word-segmenting engines deliver, so spacing is measured too.
    assert sum(" " in utterance for _label, utterance in rows) >= len(rows) // 10


def test_second_set_shares_no_utterance_with_the_first() -> None:
    # Set 2 is a second independent measurement: a shared line would be counted by both.
    first = {key(utterance) for _label, utterance in load("emergency_blind.tsv")}
    second = {key(utterance) for _label, utterance in load("emergency_blind2.tsv")}
    shared = sorted(first & second)
    assert not shared, f"in both blind sets: {shared[:5]}"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("fire 着火了快来", "fields"),
        ("fire\t着火了\t快来", "fields"),
        ("ambulance\t我爸晕倒了", "unknown label"),
        ("medical\t我爸晕倒了，快来", "punctuation"),
        ("police\t 有人抢劫", "whitespace"),
        ("none\t", "whitespace"),
    ],
)
def test_parse_rejects_malformed_lines(line: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse(f"# header\nnone\t问一下医保怎么交\n{line}\n")


def test_parse_skips_comments_and_counts_combined_labels_for_both_services() -> None:
    rows = parse("# header\n\ntraffic+medical\t撞了一个骑车的人在流血\nnone\t火车票 怎么 退\n")
    assert rows == [("traffic+medical", "撞了一个骑车的人在流血"), ("none", "火车票 怎么 退")]
    assert per_service(rows) == {"fire": 0, "police": 0, "medical": 1, "traffic": 1, "none": 1}
    assert key("火车票 怎么 退") == key("火车票怎么退")
