"""The year page's charts as geometry for server-rendered SVG (templates/public/_year_charts.html).

No JavaScript and no chart library: pygal writes a <style> and a <script> into its SVG (both
refused by the page's CSP) and has no heat map, leather colours its marks with fixed attributes
(no light and dark theme); these two charts are a few rectangles each. Colours come from CSS
classes, so the page's theme draws them; the numbers are the data's, never smoothed or invented.
"""
import math

MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BAR_WIDTH, BAR_GAP, BARS_HEIGHT, LABEL_ROOM = 22, 8, 120, 18
CELL, CELL_GAP, DAY_ROOM, HOUR_ROOM = 12, 2, 28, 14
LEVELS = 4      # shades of the clock's cells above "no plays"


def _counts(values, size):
    """`size` whole numbers ≥ 0 from what was stored (missing or broken entries count as 0)."""
    found = list(values or [])[:size]
    found += [0] * (size - len(found))
    return [value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
            for value in found]


def months_chart(months, unit="minutes"):
    """Bars of minutes (or, for a source without durations, listens) per month, Jan..Dec; a
    month with no plays draws no bar."""
    values = _counts(months, 12)
    top = max(values)
    bars = []
    for index, value in enumerate(values):
        height = round(BARS_HEIGHT * value / top) if top else 0
        if value and not height:
            height = 1                  # a month with plays is never drawn as a month without
        x = index * (BAR_WIDTH + BAR_GAP)
        bars.append({"x": x, "y": BARS_HEIGHT - height, "height": height, "width": BAR_WIDTH,
                     "label": MONTH_LABELS[index], "label_x": x + BAR_WIDTH // 2, "value": value})
    return {"bars": bars, "width": 12 * (BAR_WIDTH + BAR_GAP) - BAR_GAP,
            "height": BARS_HEIGHT + LABEL_ROOM, "label_y": BARS_HEIGHT + LABEL_ROOM - 4,
            "total": sum(values), "empty": top == 0, "unit": unit,
            "heading": f"{unit.capitalize()} per month",
            "title": "Listens per month" if unit == "listens" else "Minutes listened per month",
            "busiest": MONTH_LABELS[values.index(top)] if top else None}


def _level(value, top):
    return 0 if not value else min(LEVELS, max(1, math.ceil(LEVELS * value / top)))


def clock_chart(clock, unit="plays"):
    """A 7 × 24 heat map of plays (or listens) per weekday (Monday first) and local hour."""
    rows = [_counts(row, 24) for row in (list(clock or []) + [[]] * 7)[:7]]
    top = max(max(row) for row in rows)
    step = CELL + CELL_GAP
    cells = [{"x": DAY_ROOM + hour * step, "y": day * step, "size": CELL, "level": _level(value, top),
              "value": value, "day": DAY_LABELS[day], "hour": hour}
             for day, row in enumerate(rows) for hour, value in enumerate(row)]
    busiest = None
    if top:
        day, hour = max(((d, h) for d in range(7) for h in range(24)), key=lambda dh: rows[dh[0]][dh[1]])
        busiest = f"{DAY_LABELS[day]}s around {hour:02d}:00"
    return {"cells": cells, "rows": [{"day": DAY_LABELS[d], "short": DAY_LABELS[d][:3], "values": rows[d],
                                      "y": d * step + CELL - 2} for d in range(7)],
            "hours": [{"hour": h, "x": DAY_ROOM + h * step + CELL // 2} for h in range(0, 24, 6)],
            "width": DAY_ROOM + 24 * step - CELL_GAP, "height": 7 * step + HOUR_ROOM,
            "hour_y": 7 * step + HOUR_ROOM - 3, "empty": top == 0, "busiest": busiest, "unit": unit,
            "total": sum(map(sum, rows))}
