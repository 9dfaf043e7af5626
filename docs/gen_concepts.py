"""The taxonomy and the situations as the code defines them: enums, rules and page wording.

The statuses and substatuses come from `suivi.Status` and `suivi.Substatus` (which substatus
belongs to which status is what a `StatusMap` accepts), the shopper's sentence for each
from the tracking page's wording, and each situation's banner from the banners' wording table.
"""

from __future__ import annotations

from gen_carriers import table

from suivi import (
    STATUS_PRECEDENCE,
    TERMINAL_STATUSES,
    Situation,
    Status,
    Substatus,
    is_problem,
)
from suivi.toolkit import StatusMap
from suivi_server.pages.banner_wording import BANNERS, VARIANT_FACT
from suivi_server.pages.wording import SENTENCES


def substatuses_of(status: Status) -> list[Substatus]:
    """The substatuses a status accepts: those a status table may pair with it."""
    accepted = []
    for substatus in Substatus:
        try:
            StatusMap("taxonomy", [("code", status, substatus)])
        except ValueError:
            continue
        accepted.append(substatus)
    return accepted


def taxonomy() -> str:
    rows = []
    for status in Status:
        subs = ", ".join(f"`{s.value}`" for s in substatuses_of(status)) or "–"
        flags = [
            *(["problem"] if is_problem(status, None) else []),
            *(["final"] if status in TERMINAL_STATUSES else []),
        ]
        rows.append(
            (
                f"`{status.value}`",
                subs,
                SENTENCES.get(status.value, ""),
                ", ".join(flags) or "–",
            )
        )
    precedence = " > ".join(f"`{s.value}`" for s in STATUS_PRECEDENCE)
    return (
        table(("status", "substatuses", "what the shopper reads", "kind"), rows)
        + "\n\nWhen two events carry the same timestamp, the status further along wins: "
        + precedence
        + ".\n\nSubstatuses with their own sentence on the page:\n\n"
        + table(
            ("status / substatus", "what the shopper reads"),
            ((f"`{key}`", text) for key, text in SENTENCES.items() if "/" in key),
        )
    )


def situations() -> str:
    rows = []
    for situation in Situation:
        variants = sorted(k for k in BANNERS if k.startswith(f"{situation.value}/"))
        for key in [situation.value, *variants] if situation.value in BANNERS else variants:
            wording = BANNERS[key]
            variant = key.partition("/")[2]
            when = f"{VARIANT_FACT[situation]} = `{variant}`" if variant else "–"
            rows.append(
                (
                    f"`{situation.value}`",
                    when,
                    wording.tone.value,
                    wording.titles[-1],
                    wording.bodies[-1] if wording.bodies else "",
                )
            )
        if situation.value not in BANNERS and not variants:
            rows.append((f"`{situation.value}`", "–", "no banner", "", ""))
    return table(("situation", "variant", "tone", "banner title", "banner text"), rows)
