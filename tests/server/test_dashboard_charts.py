"""Dashboard charts: inline SVG that names itself, carries its data as a table, escapes labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from markupsafe import Markup

from suivi_server.dashboard.charts import Marker, Series, bar_chart, histogram, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _tree(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))  # well-formed XML: the figure, its SVG and its table


def _svg(chart: Markup) -> ET.Element:
    svg = _tree(chart).find(f"{SVG}svg")
    assert svg is not None
    return svg


def _table(chart: Markup) -> list[list[str]]:
    table = _tree(chart).find("table")
    assert table is not None
    assert table.get("class") == "visually-hidden"
    return [["".join(cell.itertext()) for cell in row] for row in table.iter("tr")]


def _texts(chart: Markup) -> list[str]:
    return ["".join(t.itertext()) for t in _svg(chart).iter(f"{SVG}text")]


WEEKS = Series("Contacts", [("W1", 4.0), ("W2", 6.0), ("W3", None), ("W4", 2.5)])


def test_a_line_chart_scales_to_its_container_and_names_itself() -> None:
    chart = line_chart([WEEKS], title="Contact rate", y_label="per 100 shipments")
    svg = _svg(chart)
    assert svg.get("width") == "100%"
    assert svg.get("viewBox", "").startswith("0 0 480 ")
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Contact rate"
    assert desc is not None
    assert desc.text == "per 100 shipments: Contacts"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style" not in str(chart)  # presentation attributes only: the CSP forbids styles


def test_a_line_chart_carries_its_values_as_a_table_with_gaps_shown() -> None:
    chart = line_chart([WEEKS], title="Contact rate", y_label="per 100 shipments")
    assert _table(chart) == [
        ["", "Contacts"],
        ["W1", "4"],
        ["W2", "6"],
        ["W3", "–"],
        ["W4", "2.5"],
    ]


def test_a_missing_value_breaks_the_line_instead_of_bridging_it() -> None:
    chart = line_chart([WEEKS], title="t", y_label="y")
    path = next(_svg(chart).iter(f"{SVG}path"))
    assert path.get("d", "").count("M") == 2  # W1–W2, then W4 alone
    assert len(list(_svg(chart).iter(f"{SVG}circle"))) == 3


def test_rule_markers_are_labelled_vertical_lines_listed_in_the_table() -> None:
    chart = line_chart(
        [WEEKS],
        title="t",
        y_label="y",
        markers=[Marker("W2", "Delay message on"), Marker("W9", "off the axis")],
    )
    groups = [g for g in _svg(chart).iter(f"{SVG}g") if g.get("class") == "chart-marker"]
    assert len(groups) == 1
    line = groups[0].find(f"{SVG}line")
    assert line is not None
    assert line.get("x1") == line.get("x2")
    assert "Delay message on" in _texts(chart)
    assert _table(chart)[2] == ["W2", "6", "Delay message on"]


def test_the_value_axis_ends_on_a_round_number_above_the_highest_value() -> None:
    chart = line_chart([WEEKS], title="t", y_label="y")
    assert [t for t in _texts(chart) if t in {"0", "2", "4", "6", "8"}] == ["0", "2", "4", "6"]


def test_percentages_and_decimals_follow_the_locale() -> None:
    share = Series("On time", [("W1", 0.875)])
    chart = line_chart([share], title="t", y_label="y", percent=True, locale="fr")
    assert _table(chart)[1] == ["W1", "87,5%"]


def test_labels_written_by_merchants_or_shoppers_render_as_text() -> None:
    hostile = '<script>alert("x")</script>'
    chart = line_chart(
        [Series(hostile, [(hostile, 1.0)])],
        title=hostile,
        y_label=hostile,
        markers=[Marker(hostile, hostile)],
    )
    bars = bar_chart([(hostile, 1.0)], title=hostile, y_label=hostile)
    for markup in (chart, bars):
        assert "<script>" not in str(markup)
        assert "&lt;script&gt;" in str(markup)
    assert _table(bars)[1][0] == hostile


def test_a_bar_chart_draws_bars_in_proportion_with_their_values() -> None:
    chart = bar_chart(
        [("Where is my order", 8.0), ("Damaged", 2.0)], title="Reasons", y_label="Contacts"
    )
    widths = [float(r.get("width", "0")) for r in _svg(chart).iter(f"{SVG}rect")]
    assert widths[0] == 4 * widths[1]
    assert _table(chart) == [["", "Contacts"], ["Where is my order", "8"], ["Damaged", "2"]]


def test_a_histogram_shows_empty_values_between_the_extremes_as_zero() -> None:
    chart = histogram({2: 5, 5: 1}, title="Transit", x_label="days", y_label="deliveries")
    assert [row[1] for row in _table(chart)[1:]] == ["5", "0", "0", "1"]
    assert len(list(_svg(chart).iter(f"{SVG}rect"))) == 4


def test_charts_without_data_still_render() -> None:
    for chart in (
        line_chart([], title="t", y_label="y"),
        bar_chart([], title="t", y_label="y"),
        histogram({}, title="t", x_label="x", y_label="y"),
    ):
        assert _svg(chart).get("role") == "img"


def test_two_charts_on_one_page_have_distinct_ids() -> None:
    first = line_chart([WEEKS], title="a", y_label="y")
    second = line_chart([WEEKS], title="b", y_label="y")
    assert _svg(first).get("aria-labelledby") != _svg(second).get("aria-labelledby")
