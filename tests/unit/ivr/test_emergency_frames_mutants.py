"""The event frames of ivr.emergency_frames (DOMAIN.md §3): each match is a hit with its service,
position, frame name and the characters it matched, injuries last."""

from __future__ import annotations

from ivr.emergency_frames import FrameMatcher
from ivr.emergency_match import Hit


def test_every_frame_match_is_a_hit_with_its_name_and_span() -> None:
    assert list(FrameMatcher().hits("有个人拿着刀在砍人")) == [
        Hit("police", 0, 8, "<violence>", "有个人拿着刀在砍", False, "frame", "violence"),
        Hit("police", 3, 6, "<weapon>", "拿着刀", False, "frame", "weapon"),
    ]


def test_someone_hurt_is_a_medical_injury_hit_after_the_frames() -> None:
    assert list(FrameMatcher().hits("车撞了人受伤了")) == [
        Hit("traffic", 0, 2, "<collision>", "车撞", False, "frame", "collision"),
        Hit("medical", 1, 4, "<injured>", "撞了人", False, "frame", "injured"),
        Hit("medical", 4, 6, "<injured>", "受伤", False, "frame", "injured"),
    ]


def test_alternatives_of_a_frame_are_separate_patterns() -> None:
    # 着火 and 烧起来 are two alternatives of the flames frame, each found on its own.
    hits = [(h.frame, h.heard) for h in FrameMatcher().hits("烧起来了")]
    assert ("flames", "烧起来") in hits
    assert [(h.frame, h.heard) for h in FrameMatcher().hits("着火")] == [("flames", "着火")]
