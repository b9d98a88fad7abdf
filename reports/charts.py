"""The progression charts, drawn as SVG: the one function the progression page and the board
report PDF both call.

Two charts from each year's counts: CP, C, PC and NC per year (stacked bars) and Compliance
Plus per year. The SVG is self-contained and needs no script and no stylesheet: colours,
strokes and fonts are presentation attributes (``fill``, ``stroke``, ``font-size``…), because
the portal's Content Security Policy refuses inline styles and the same SVG must look the same
in a PDF. Drawn here rather than by a charting library: a pair takes about 1 ms, where pygal
took 13 ms, and the figures change with every mark an assessor saves. The ratings are told
apart without colour too: four distinct lightnesses, and stripes (PC) and cross-hatching
(NC) as SVG patterns, so a greyscale print still reads.

Each chart comes with its text alternative: a title, a description in words and the figures
as a table (the page shows the table under the chart).
"""

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

from assessments.models import RATING_ORDER
from assessments.outcome import RATING_NAMES

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _register_namespaces() -> None:
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)


_register_namespaces()

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif"
INK = "#1a1a1a"
# One colour a rating (the page's CSS uses the same), dark to light in greyscale:
# CP ~27 %, NC ~48 %, PC ~74 %, C ~91 % grey; PC and NC also patterned.
COLOURS = {"CP": "#1d5c2e", "C": "#d9f0dc", "PC": "#f2b84b", "NC": "#d9534f"}
TEXT_ON = {"CP": "#ffffff", "C": INK, "PC": INK, "NC": INK}
PATTERNED = ("PC", "NC")
WIDTH, HEIGHT = 520, 340


@dataclass(frozen=True)
class Chart:
    """A chart and its text alternative: ``svg`` is safe to put in a page as it is."""

    title: str
    description: str
    svg: SafeString
    headings: tuple[str, ...]  # the table's column headings, the first over the year labels
    rows: tuple[tuple[str, tuple[int, ...]], ...]  # (year label, figures)


@dataclass(frozen=True)
class ProgressionCharts:
    ratings: Chart
    compliance_plus: Chart


def progression_charts(
    years: Sequence[tuple[str, Mapping[str, int]]], *, id_prefix: str = "progression"
) -> ProgressionCharts:
    """The two charts for ``years``: ``(heading, counts by rating)`` in column order, e.g.
    ``("Y4 2018", {"CP": 14, "C": 40, "PC": 3, "NC": 0})``. ``id_prefix`` keeps the SVG's
    ids (its patterns) unique on a page that shows the charts more than once."""
    key = tuple(
        (label, tuple(counts.get(rating, 0) for rating in RATING_ORDER)) for label, counts in years
    )
    return _charts(key, id_prefix)


@lru_cache(maxsize=128)
def _charts(years: tuple[tuple[str, tuple[int, ...]], ...], id_prefix: str) -> ProgressionCharts:
    """The charts are a function of their figures alone: drawn once for each set of them
    (the page is drawn more often than the figures change)."""
    labels = [label for label, _ in years]
    counts = [dict(zip(RATING_ORDER, figures, strict=True)) for _, figures in years]
    return ProgressionCharts(
        ratings=_ratings_chart(labels, counts, f"{id_prefix}-ratings"),
        compliance_plus=_cp_chart(labels, counts, f"{id_prefix}-cp"),
    )


def _ratings_chart(labels: list[str], counts: list[dict[str, int]], chart_id: str) -> Chart:
    title = "Ratings per year"
    if labels:
        last = counts[-1]
        figures = ", ".join(f"{RATING_NAMES[r]} {last[r]}" for r in RATING_ORDER)
        description = (
            f"Stacked bars, one a year from {labels[0]} to {labels[-1]}, of the elements rated "
            f"Compliance Plus, Compliance, Partial Compliance and Non-Compliance. "
            f"In {labels[-1]}: {figures}."
        )
    else:
        description = "No year has been assessed yet."
    bars = [[(rating, c[rating]) for rating in RATING_ORDER] for c in counts]
    return Chart(
        title=title,
        description=description,
        svg=_svg(title, description, chart_id, labels, bars, RATING_ORDER, legend=True),
        headings=("Year", *RATING_ORDER),
        rows=tuple(
            (label, tuple(c[r] for r in RATING_ORDER))
            for label, c in zip(labels, counts, strict=True)
        ),
    )


def _cp_chart(labels: list[str], counts: list[dict[str, int]], chart_id: str) -> Chart:
    title = "Compliance Plus per year"
    cp = [c["CP"] for c in counts]
    if labels:
        by_year = ", ".join(f"{label}: {n}" for label, n in zip(labels, cp, strict=True))
        description = f"Elements rated Compliance Plus each year. {by_year}."
    else:
        description = "No year has been assessed yet."
    bars = [[("CP", n)] for n in cp]
    return Chart(
        title=title,
        description=description,
        svg=_svg(title, description, chart_id, labels, bars, ("CP",), legend=False),
        headings=("Year", "CP"),
        rows=tuple((label, (n,)) for label, n in zip(labels, cp, strict=True)),
    )


# --- Drawing ----------------------------------------------------------------------------------

# The plot's box in the chart's 520 x 340 coordinates: room for the title above, the scale on
# the left, the years (two lines) and the legend below.
LEFT, RIGHT, TOP = 44, 508, 46
BOTTOM = {True: 270, False: 298}  # with a legend, without
VALUE_MIN_HEIGHT = 18  # a segment lower than this has no figure inside (the table has them all)


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def _node(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    node = ET.SubElement(
        parent, _q(tag), {k.rstrip("_").replace("_", "-"): str(v) for k, v in attributes.items()}
    )
    node.text = text
    return node


def scale(highest: int) -> tuple[int, int]:
    """The scale's top and step for bars up to ``highest``: whole numbers, 4 to 8 steps of
    1, 2, 5, 10, 20, 25, 50… (0 to 4 when there is nothing to show)."""
    if highest <= 0:
        return 4, 1
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, int(2.5 * magnitude), 5 * magnitude):
            if step and -(-highest // step) <= 8:
                steps = max(4, -(-highest // step))
                return steps * step, step
        magnitude *= 10


def _label_lines(label: str, band: float) -> list[str]:
    """A year's label on one line, or on two ("Y4" over "2018") when its band is narrow."""
    first, _space, rest = label.partition(" ")
    return [first, rest] if rest and band < 9 * len(label) else [label]


def _svg(
    title: str,
    description: str,
    chart_id: str,
    labels: list[str],
    bars: list[list[tuple[str, int]]],
    ratings: Sequence[str],
    *,
    legend: bool,
) -> SafeString:
    """The chart as SVG with presentation attributes only (no ``<style>``, no script, no id
    but the chart's own and its patterns'): ``role="img"`` named by its title and described
    by its description. ``bars``: for each year, its (rating, figure) segments bottom up."""
    root = ET.Element(
        _q("svg"),
        {
            "class": "progression-chart-svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "id": chart_id,
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "font-family": FONT,
            "font-size": "15",
            "fill": INK,
        },
    )
    _node(root, "title", title, id=f"{chart_id}-title")
    _node(root, "desc", description, id=f"{chart_id}-desc")
    defs = _node(root, "defs")
    defs.extend(_patterns(chart_id, ratings))
    _node(root, "rect", x=0, y=0, width=WIDTH, height=HEIGHT, fill="#ffffff")
    _node(root, "text", title, x=WIDTH / 2, y=26, font_size=18, font_weight=600,
          text_anchor="middle")  # fmt: skip
    bottom = BOTTOM[legend]
    if not labels:
        _node(root, "text", "No years yet", x=WIDTH / 2, y=(TOP + bottom) / 2,
              font_size=16, text_anchor="middle")  # fmt: skip
        return _serialise(root)
    top, step = scale(max(sum(n for _r, n in bar) for bar in bars))
    height = bottom - TOP
    per_unit = height / top
    for tick in range(0, top + 1, step):
        y = bottom - tick * per_unit
        if tick:
            _node(root, "path", d=f"M{LEFT} {y:.1f} H{RIGHT}", stroke="#d0d0d0", fill="none")
        _node(root, "text", str(tick), x=LEFT - 6, y=f"{y + 5:.1f}", text_anchor="end")
    band = (RIGHT - LEFT) / len(bars)
    width = band * 0.8
    for index, (label, bar) in enumerate(zip(labels, bars, strict=True)):
        x = LEFT + index * band + (band - width) / 2
        base = bottom
        for rating, figure in bar:
            if figure <= 0:
                continue
            tall = figure * per_unit
            _node(root, "rect", x=f"{x:.1f}", y=f"{base - tall:.1f}", width=f"{width:.1f}",
                  height=f"{tall:.1f}", fill=_fill(rating, chart_id), stroke=INK,
                  stroke_width=0.75)  # fmt: skip
            if tall >= VALUE_MIN_HEIGHT:
                _node(root, "text", str(figure), x=f"{x + width / 2:.1f}",
                      y=f"{base - tall / 2 + 5.5:.1f}", font_size=16, font_weight=600,
                      text_anchor="middle", fill=TEXT_ON[rating])  # fmt: skip
            base -= tall
        text = _node(root, "text", x=f"{x + width / 2:.1f}", y=bottom + 20, text_anchor="middle")
        lines = _label_lines(label, band)
        if len(lines) == 1:
            text.text = label
        else:
            for number, line in enumerate(lines):
                _node(text, "tspan", line, x=f"{x + width / 2:.1f}", dy="1.15em" if number else 0)
    _node(root, "path", d=f"M{LEFT} {TOP - 6} V{bottom} H{RIGHT}", stroke=INK, fill="none")
    if legend:
        column = (RIGHT - LEFT) / len(ratings)
        for index, rating in enumerate(ratings):
            x = LEFT + index * column
            _node(root, "rect", x=f"{x:.1f}", y=HEIGHT - 24, width=14, height=14,
                  fill=_fill(rating, chart_id), stroke=INK, stroke_width=0.75)  # fmt: skip
            _node(root, "text", rating, x=f"{x + 20:.1f}", y=HEIGHT - 12)
    return _serialise(root)


def _serialise(root: ET.Element) -> SafeString:
    # ElementTree's namespace prefixes are one registry for the whole process, and WeasyPrint
    # registers its own when it writes a PDF: set ours again before each serialisation, or
    # the charts drawn after a PDF come out as <ns0:svg>, which a browser does not draw.
    _register_namespaces()
    return mark_safe(ET.tostring(root, encoding="unicode"))  # noqa: S308 - our own SVG


def _patterns(chart_id: str, ratings: Sequence[str]) -> list[ET.Element]:
    """Stripes for PC, cross-hatching for NC, over the rating's colour."""
    patterns = []
    for rating in ratings:
        if rating not in PATTERNED:
            continue
        pattern = ET.Element(
            _q("pattern"),
            {
                "id": f"{chart_id}-{rating.lower()}",
                "width": "6",
                "height": "6",
                "patternUnits": "userSpaceOnUse",
                "patternTransform": "rotate(45)",
            },
        )
        ET.SubElement(pattern, _q("rect"), {"width": "6", "height": "6", "fill": COLOURS[rating]})
        ET.SubElement(pattern, _q("path"), {"d": "M0 0 V6", "stroke": INK, "stroke-width": "1.2"})
        if rating == "NC":
            ET.SubElement(
                pattern, _q("path"), {"d": "M0 0 H6", "stroke": INK, "stroke-width": "1.2"}
            )
        patterns.append(pattern)
    return patterns


def _fill(rating: str, chart_id: str) -> str:
    return f"url(#{chart_id}-{rating.lower()})" if rating in PATTERNED else COLOURS[rating]
