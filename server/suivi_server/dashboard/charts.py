"""Charts for the dashboard, drawn on the server as inline SVG: no script, no library, no CDN.

Each chart is a `<figure>`: a visible caption, an `<svg role="img">` named by its `<title>` and
`<desc>`, and the same figures as a visually hidden table for screen readers. The SVG scales
with its viewBox (width 100 %), its text sized to stay legible from a 375 px phone to a laptop.
Only presentation attributes are used: the dashboard's CSP forbids inline styles. Every label is
escaped (`Markup.format`), so a label written by a merchant or a shopper renders as text.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

WIDTH = 480
FONT = 13
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")  # Okabe-Ito
TEXT = "#222"
GRID = "#d9d9d9"
MARKER = "#555"
MAX_X_LABELS = 6
MARKER_ROWS = 3  # marker labels are staggered over this many lines so neighbours do not overlap
MARKER_CHARS = 30  # longer marker labels are cut in the drawing (the table keeps them whole)
PLOT_HEIGHT = 160
LEFT = 46  # room for the value axis' labels
RIGHT = 14


@dataclass(frozen=True)
class Series:
    """One line: (x label, value) pairs in order; None is a gap (no data for that x)."""

    label: str
    points: Sequence[tuple[str, float | None]]


@dataclass(frozen=True)
class Marker:
    """A dated event drawn as a labelled vertical line at the x label it falls on."""

    x: str
    label: str


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    markers: Sequence[Marker] = (),
    percent: bool = False,
    locale: str = "en",
) -> Markup:
    """Values over time; markers whose x is not on the axis are left out of the drawing."""
    xs = _categories(series)
    values = [v for s in series for _, v in s.points if v is not None]
    ticks = _ticks(max(values, default=0.0), percent)
    drawn = [m for m in markers if m.x in xs]
    top = 22 + (FONT + 3) * min(len(drawn), MARKER_ROWS)
    plot_w = WIDTH - LEFT - RIGHT
    bottom = top + PLOT_HEIGHT
    height = bottom + 24 + (FONT + 5) * len(series)

    def x_at(index: int) -> float:
        return LEFT + (plot_w / 2 if len(xs) == 1 else index * plot_w / (len(xs) - 1))

    def y_at(value: float) -> float:
        return bottom - value / ticks[-1] * PLOT_HEIGHT

    parts = [_text(0, 14, y_label, anchor="start")]
    parts += _value_axis(ticks, y_at, percent, locale)
    step = math.ceil(len(xs) / MAX_X_LABELS) if xs else 1
    parts += [_text(x_at(i), bottom + 16, x) for i, x in enumerate(xs) if i % step == 0]
    position = {x: i for i, x in enumerate(xs)}
    for row, marker in enumerate(drawn):
        x = x_at(position[marker.x])
        y = 18 + (FONT + 3) * (row % MARKER_ROWS + 1)
        anchor = "end" if x > LEFT + plot_w / 2 else "start"
        nudge = -3 if anchor == "end" else 3
        parts.append(
            Markup(
                '<g class="chart-marker"><title>{full}</title>'
                '<line x1="{x:.1f}" y1="{y1:.1f}" x2="{x:.1f}" y2="{y2:.1f}" stroke="{c}" '
                'stroke-width="1.5" stroke-dasharray="4 3"/>{label}</g>'
            ).format(
                full=f"{marker.x}: {marker.label}",
                x=x,
                y1=y - FONT + 2,
                y2=bottom,
                c=MARKER,
                label=_text(x + nudge, y, _cut(marker.label), anchor=anchor, weight="bold"),
            )
        )
    for index, line in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(_line(line, colour, position, x_at, y_at, percent, locale))
        legend_y = bottom + 24 + (FONT + 5) * (index + 1) - 4
        parts.append(
            Markup(
                '<line x1="0" y1="{y:.1f}" x2="18" y2="{y:.1f}" stroke="{c}" stroke-width="3"/>'
            ).format(y=legend_y - FONT / 3, c=colour)
        )
        parts.append(_text(24, legend_y, line.label, anchor="start"))
    header = ["", *(s.label for s in series)] + ([""] if drawn else [])
    notes = {x: "; ".join(m.label for m in markers if m.x == x) for x in xs}
    rows = [
        [
            x,
            *(_number(dict(s.points).get(x), percent, locale) for s in series),
            *([notes[x]] if drawn else []),
        ]
        for x in xs
    ]
    desc = f"{y_label}: {', '.join(s.label for s in series)}"
    return _figure(title, desc, height, parts, header, rows)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    y_label: str,
    percent: bool = False,
    locale: str = "en",
) -> Markup:
    """Horizontal bars, each label on its own line above its bar: long labels fit on a phone."""
    row = FONT + 4 + 14 + 10
    reserve = 64  # room for the value written after the longest bar
    top_value = max((v for _, v in bars), default=0.0) or 1.0
    parts = []
    for index, (label, value) in enumerate(bars):
        y = index * row
        length = max(value, 0.0) / top_value * (WIDTH - reserve)
        parts.append(_text(0, y + FONT, label, anchor="start"))
        parts.append(
            Markup(
                '<rect x="0" y="{y:.1f}" width="{w:.1f}" height="14" fill="{c}">'
                "<title>{label}: {value}</title></rect>"
            ).format(
                y=y + FONT + 4,
                w=length,
                c=PALETTE[0],
                label=label,
                value=_number(value, percent, locale),
            )
        )
        parts.append(
            _text(length + 4, y + FONT + 15, _number(value, percent, locale), anchor="start")
        )
    height = len(bars) * row + FONT + 10
    parts.append(_text(0, height - 4, y_label, anchor="start", fill="#555"))
    rows = [[label, _number(value, percent, locale)] for label, value in bars]
    return _figure(title, y_label, height, parts, ["", y_label], rows)


def histogram(
    counts: Mapping[int, int],
    *,
    title: str,
    x_label: str,
    y_label: str,
    locale: str = "en",
) -> Markup:
    """Counts per integer value (days in transit…); values between the extremes show as zero."""
    xs = list(range(min(counts), max(counts) + 1)) if counts else []
    ticks = _ticks(float(max(counts.values(), default=0)), False)
    top = 22
    bottom = top + PLOT_HEIGHT
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(xs), 1)

    def y_at(value: float) -> float:
        return bottom - value / ticks[-1] * PLOT_HEIGHT

    parts = [_text(0, 14, y_label, anchor="start")]
    parts += _value_axis(ticks, y_at, False, locale)
    step = math.ceil(len(xs) / (MAX_X_LABELS * 2)) if xs else 1
    for index, x in enumerate(xs):
        count = counts.get(x, 0)
        left = LEFT + index * slot
        parts.append(
            Markup(
                '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                "<title>{label}: {count}</title></rect>"
            ).format(
                x=left + 1,
                y=y_at(count),
                w=max(slot - 2, 1),
                h=bottom - y_at(count),
                c=PALETTE[0],
                label=x,
                count=_number(count, False, locale),
            )
        )
        if index % step == 0:
            parts.append(_text(left + slot / 2, bottom + 16, str(x)))
    height = bottom + 40
    parts.append(_text(LEFT + plot_w / 2, height - 4, x_label, fill="#555"))
    rows = [[str(x), _number(counts.get(x, 0), False, locale)] for x in xs]
    return _figure(title, f"{y_label} / {x_label}", height, parts, [x_label, y_label], rows)


def _categories(series: Sequence[Series]) -> list[str]:
    """Every x label of every series, in order of first appearance."""
    seen: dict[str, None] = {}
    for line in series:
        for x, _ in line.points:
            seen.setdefault(x, None)
    return list(seen)


def _ticks(highest: float, percent: bool) -> list[float]:
    """0 up to a round number at or above the highest value, in about four steps."""
    if highest <= 0:
        highest = 1.0 if percent else 4.0
    raw = highest / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if raw <= f * magnitude)
    return [i * step for i in range(math.ceil(highest / step - 1e-9) + 1)]


def _value_axis(
    ticks: list[float], y_at: Callable[[float], float], percent: bool, locale: str
) -> list[Markup]:
    parts = []
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            Markup(
                '<line x1="{l}" y1="{y:.1f}" x2="{r}" y2="{y:.1f}" stroke="{c}" stroke-width="1"/>'
            ).format(l=LEFT, r=WIDTH - RIGHT, y=y, c=GRID)
        )
        parts.append(_text(LEFT - 5, y + FONT / 3, _number(tick, percent, locale), anchor="end"))
    return parts


def _line(
    line: Series,
    colour: str,
    position: Mapping[str, int],
    x_at: Callable[[int], float],
    y_at: Callable[[float], float],
    percent: bool,
    locale: str,
) -> Markup:
    """One series: a path broken where values are missing, a dot (with its value) per point."""
    moves: list[str] = []
    dots: list[Markup] = []
    pen_down = False
    for x, value in line.points:
        if value is None:
            pen_down = False
            continue
        px, py = x_at(position[x]), y_at(value)
        moves.append(f"{'L' if pen_down else 'M'}{px:.1f} {py:.1f}")
        pen_down = True
        dots.append(
            Markup(
                '<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}">'
                "<title>{label} {at}: {value}</title></circle>"
            ).format(
                x=px, y=py, c=colour, label=line.label, at=x, value=_number(value, percent, locale)
            )
        )
    path = Markup('<path d="{d}" fill="none" stroke="{c}" stroke-width="2.5"/>').format(
        d=" ".join(moves), c=colour
    )
    return Markup('<g class="chart-series">{path}{dots}</g>').format(
        path=path if moves else "", dots=Markup("").join(dots)
    )


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "middle",
    weight: str = "normal",
    fill: str = TEXT,
) -> Markup:
    return Markup(
        '<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        'font-weight="{weight}" fill="{fill}">{content}</text>'
    ).format(x=x, y=y, size=FONT, anchor=anchor, weight=weight, fill=fill, content=content)


def _cut(label: str) -> str:
    return label if len(label) <= MARKER_CHARS else label[: MARKER_CHARS - 1].rstrip() + "…"


def _number(value: float | None, percent: bool, locale: str) -> str:
    if value is None:
        return "–"
    if percent:
        return str(format_percent(value, format="#,##0.#%", locale=locale))
    return str(format_decimal(value, format="#,##0.#", locale=locale))


def _figure(
    title: str,
    desc: str,
    height: float,
    parts: Sequence[Markup],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
) -> Markup:
    """The SVG and its data table, named by ids unique to the chart's content."""
    digest = hashlib.sha256(repr((title, desc, rows)).encode()).hexdigest()[:10]
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in header)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup('<th scope="row">{}</th>').format(cells[0])
            + Markup("").join(Markup("<td>{}</td>").format(c) for c in cells[1:])
        )
        for cells in rows
    )
    return Markup(
        '<figure class="chart"><figcaption id="chart-{id}-caption">{title}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h:.0f}" width="100%" '
        'role="img" aria-labelledby="chart-{id}-title chart-{id}-desc" '
        'font-family="system-ui, sans-serif">'
        '<title id="chart-{id}-title">{title}</title><desc id="chart-{id}-desc">{desc}</desc>'
        "{parts}</svg>"
        '<table class="visually-hidden" aria-labelledby="chart-{id}-caption">'
        "<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></figure>"
    ).format(
        id=digest,
        title=title,
        desc=desc,
        w=WIDTH,
        h=height,
        parts=Markup("").join(parts),
        head=head,
        body=body,
    )
