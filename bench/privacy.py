"""Masking cost of free text: µs of CPU per 200-character ticket text.

`python -m bench privacy [--texts 200] [--repeat 3]`

Texts are complaint sentences from the unit tests' style, with and without personal data, joined and
cut to 200 characters; jieba's dictionary is loaded before timing (a one-off cost per process).
Printed: the median over the repeats of the mean CPU time per text, for both levels, and once without
the citizen's name (names then all go through jieba's HMM).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from tickets.privacy_text import Level, mask_text

_SENTENCES = (
    "来电人张三反映,幸福路88号阳光小区3栋2单元502室楼上邻居装修噪音太大。",
    "每天早上七点就开始施工,严重影响休息,多次与物业沟通无果。",
    "联系电话13800138000,座机010-12345678,希望相关部门尽快处理。",
    "小区门口的路灯坏了三天了,晚上很黑,老人出行不便。",
    "邻居王建国家养狗扰民,车牌京A12345的车长期占用消防通道。",
    "2026年11月3日15:30在地铁站丢失钱包,已拨打110。",
    "商家多收了300元,依据消费者权益保护法第12条要求退款。",
    "咨询社保卡如何补办,身份证11010119900307123X。",
)


def _texts(count: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(count):
        text = ""
        while len(text) < 200:
            text += rng.choice(_SENTENCES)
        out.append(text[:200])
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench privacy")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    texts = _texts(args.texts, random.Random(12345))
    mask_text(texts[0], citizen_name="张三")  # loads jieba's dictionary outside the timing
    # Without the citizen's name, a name in the text is found by jieba's HMM only (the slow path).
    cases: tuple[tuple[Level, str | None], ...] = (("masked", "张三"), ("hidden", "张三"), ("masked", None))
    for level, name in cases:
        runs = []
        for _ in range(args.repeat):
            start = time.process_time()
            for text in texts:
                mask_text(text, citizen_name=name, citizen_phone="13800138000", level=level)
            runs.append((time.process_time() - start) / len(texts))
        per_text = statistics.median(runs) * 1e6
        known = "name known" if name else "name unknown"
        print(f"privacy mask_text {level:>6}, {known:<12}: {per_text:8.1f} µs CPU per 200-character text")
    return 0
