"""Knowledge-base indexing cost: CPU time to index one article of a given answer length.

`python -m bench kb [--chars 20000,100000] [--repeat 3]`

The answer is distinct text (no clause repeats, so the clause de-duplication gains nothing): random
clauses of 8-20 common characters drawn from the demo articles, with punctuation between them.
Printed per length: the median CPU time of `tickets.kb.index_fields` and the sizes of its two fields.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from tickets.demo import ARTICLES
from tickets.kb import index_fields, normalise


def _answer(chars: int, rng: random.Random) -> str:
    pool = sorted({c for article in ARTICLES for part in article[:2] for c in normalise(str(part))})
    out: list[str] = []
    size = 0
    while size < chars:
        clause = "".join(rng.choice(pool) for _ in range(rng.randint(8, 20))) + rng.choice(",。;、")
        out.append(clause)
        size += len(clause)
    return "".join(out)[:chars]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench kb")
    parser.add_argument("--chars", default="20000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rng = random.Random(12345)
    for chars in (int(c) for c in args.chars.split(",")):
        answer = _answer(chars, rng)
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            text, spelled = index_fields("路灯不亮找谁报修?", answer, "路灯 报修")
            times.append(time.process_time() - start)
        print(
            f"kb index {chars:>7} chars: {statistics.median(times) * 1000:8.1f} ms CPU"
            f"  (text {len(text)} chars, pinyin {len(spelled)} chars)"
        )
    return 0
