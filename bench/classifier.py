"""The helpdesk reason classifier on the labelled tickets: accuracy, precision, recall, confusion.

    .venv/bin/python bench/classifier.py [--split heldout|dev|all]

tests/fixtures/helpdesk/labelled.csv holds realistic tickets in French and English, each with
the reason a person gave it. The `heldout` half was written first and set aside; the phrase
table was written from the `dev` half only, so the held-out figures are the honest ones (the dev
figures show how much the table fits what it was written from). Default: both, held-out first.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "sdk", ROOT / "server"):  # runnable without the editable install too
    sys.path.insert(0, str(extra))

from suivi_server.helpdesk.classifier import classify  # noqa: E402
from suivi_server.helpdesk.phrases import PRIORITY  # noqa: E402

LABELLED = ROOT / "tests" / "fixtures" / "helpdesk" / "labelled.csv"
REASONS = (*PRIORITY, "other")


def report(split: str, rows: list[dict[str, str]]) -> None:
    pairs = [(row["reason"], classify(row["subject"], row["text"])) for row in rows]
    right = sum(truth == guess for truth, guess in pairs)
    print(f"\n## {split}: {len(pairs)} tickets, accuracy {right / len(pairs):.1%} ({right})")
    for lang in ("fr", "en"):
        mine = [(t, g) for (t, g), row in zip(pairs, rows, strict=True) if row["lang"] == lang]
        hits = sum(t == g for t, g in mine)
        print(f"  {lang}: {hits}/{len(mine)} = {hits / max(len(mine), 1):.1%}")
    cells = Counter(pairs)
    print(f"\n{'reason':<18} {'precision':>9} {'recall':>7} {'support':>8}")
    for reason in REASONS:
        guessed = sum(n for (_, g), n in cells.items() if g == reason)
        actual = sum(n for (t, _), n in cells.items() if t == reason)
        hit = cells[(reason, reason)]
        precision = f"{hit / guessed:.0%}" if guessed else "-"
        recall = f"{hit / actual:.0%}" if actual else "-"
        print(f"{reason:<18} {precision:>9} {recall:>7} {actual:>8}")
    short = [r[:6] for r in REASONS]
    print("\nconfusion (rows: true reason, columns: classified as)")
    print(f"{'':<18} " + " ".join(f"{s:>6}" for s in short))
    for truth in REASONS:
        print(f"{truth:<18} " + " ".join(f"{cells[(truth, g)]:>6}" for g in REASONS))
    wrong = [(row, g) for (t, g), row in zip(pairs, rows, strict=True) if t != g]
    if wrong:
        print("\nmisclassified:")
        for row, guess in wrong:
            print(f"  {row['reason']} → {guess}: {row['subject']} | {row['text']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("heldout", "dev", "all"), default="all")
    args = parser.parse_args()
    with LABELLED.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    for split in ("heldout", "dev"):
        if args.split in (split, "all"):
            report(split, [row for row in rows if row["split"] == split])


if __name__ == "__main__":
    main()
