"""The Fingertips-style overview: one spine-chart row per indicator.

Each row draws, on a bar spanning the lowest to the highest upper-tier authority, the middle half (25th to 75th
percentile) darker, England's value as a line and the council's value as a marker coloured by its comparison
with England, with the same facts in words for screen readers. As Fingertips does, the better end is on the
right when the indicator has a polarity. Drawn as plain SVG: a few shapes need no charting library.
"""

from __future__ import annotations

from warehouse.report_context import Standing
from warehouse.report_format import as_float, esc, formatted, words

WIDTH, HEIGHT, PAD = 240, 22, 6
MARKER = {"better": "#1a7a3a", "worse": "#b00020", "similar": "#c27c00"}


def spine_svg(found: Standing, council: float, england: float | None, verdict: object, polarity: object) -> str:
    """The row's drawing; `found` gives the range and quartiles."""
    span = (found.high - found.low) or 1.0
    flip = polarity == "lower_is_better"  # the better end on the right

    def x(value: float) -> float:
        share = (value - found.low) / span
        return round(PAD + (WIDTH - 2 * PAD) * ((1 - share) if flip else share), 1)

    left, right = sorted((x(found.q1), x(found.q3)))
    parts = [
        f"<rect x='{PAD}' y='6' width='{WIDTH - 2 * PAD}' height='10' fill='#d9d9d9' class='spine-range'/>",
        f"<rect x='{left}' y='6' width='{round(right - left, 1)}' height='10' fill='#8c8c8c' class='spine-middle'/>",
    ]
    if england is not None and found.low <= england <= found.high:
        parts.append(f"<line x1='{x(england)}' x2='{x(england)}' y1='2' y2='20' stroke='#000' class='spine-england'/>")
    colour = MARKER.get(str(verdict), "#1d4e89")
    parts.append(f"<circle cx='{x(council)}' cy='11' r='5' fill='{colour}' stroke='#000' class='spine-council'/>")
    return (
        f"<svg width='{WIDTH}' height='{HEIGHT}' viewBox='0 0 {WIDTH} {HEIGHT}' aria-hidden='true' "
        f"focusable='false'>{''.join(parts)}</svg>"
    )


def spine_row(latest: object, found: Standing | None, decimals: int | None) -> str:
    """One table row: indicator, period, council, England, the drawing and its text equivalent."""
    unit = str(latest.unit)
    council, england = as_float(latest.value), as_float(latest.england_value)
    verdict = latest.vs_england if unit != "count" else None
    if found is None or council is None:
        drawing = "<span class='spine-none'>no spine: no spread of authorities to draw</span>"
        text = "No spine chart: a count, or too few authorities have a value."
    else:
        drawing = spine_svg(found, council, england, verdict, latest.polarity)
        text = (
            f"{latest.area_name} {formatted(council, unit, decimals)} ({words(verdict)} compared with England "
            f"{formatted(england, unit, decimals)}); {found.of} authorities from "
            f"{formatted(found.low, unit, decimals)} to {formatted(found.high, unit, decimals)}, "
            f"middle half {formatted(found.q1, unit, decimals)} to "
            f"{formatted(found.q3, unit, decimals)}; rank {found.rank} of {found.of}, quartile {found.quartile}."
        )
    return (
        f"<tr><th scope='row'><a href='#indicator-{esc(latest.indicator_id)}'>{esc(latest.title)}</a></th>"
        f"<td>{esc(latest.period_label)}</td><td>{formatted(council, unit, decimals)}</td>"
        f"<td>{formatted(england, unit, decimals) if unit != 'count' else '&ndash;'}</td>"
        f"<td class='spine'>{drawing}<span class='visually-hidden'>{text}</span></td></tr>"
    )


def spine_table(rows: list[str]) -> str:
    return (
        "<table class='spine-chart'><caption>Overview: where the council stands among England's upper-tier "
        "authorities</caption><thead><tr><th scope='col'>Indicator</th><th scope='col'>Period</th>"
        "<th scope='col'>Council</th><th scope='col'>England</th><th scope='col'>Spread of authorities (grey: "
        "lowest to highest, dark: middle half; line: England; circle: the council, green better, red worse, "
        "amber similar, blue not compared; better to the right)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
