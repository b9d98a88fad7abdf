"""The progression charts, drawn with pygal as SVG: the one function the progression page and
the board report PDF both call.

Two charts from each year's counts: CP, C, PC and NC per year (stacked bars) and Compliance
Plus per year. The SVG is self-contained and needs no script and no stylesheet: pygal's
interactive script is off (``js=[]``) and its ``<style>`` element is replaced by presentation
attributes (``fill``, ``stroke``, ``font-size``…), because the portal's Content Security
Policy refuses inline styles and the same SVG must look the same in a PDF. The ratings are
told apart without colour too: four distinct lightnesses, and stripes (PC) and cross-hatching
(NC) as SVG patterns, so a greyscale print still reads.

Each chart comes with its text alternative: a title, a description in words and the figures
as a table (the page shows the table under the chart).
"""

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

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
    (pygal takes a few milliseconds a chart; the page is drawn far more often than the
    figures change)."""
    labels = [label for label, _ in years]
    counts = [dict(zip(RATING_ORDER, figures, strict=True)) for _, figures in years]
    return ProgressionCharts(
        ratings=_ratings_chart(labels, counts, f"{id_prefix}-ratings"),
        compliance_plus=_cp_chart(labels, counts, f"{id_prefix}-cp"),
    )


def _ratings_chart(labels: list[str], counts: list[dict[str, int]], chart_id: str) -> Chart:
    title = "Ratings per year"
    chart = pygal.StackedBar(**_config(title), style=_style(RATING_ORDER))
    chart.x_labels = labels
    for rating in RATING_ORDER:
        chart.add(rating, [c[rating] for c in counts])
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
    return Chart(
        title=title,
        description=description,
        svg=_finish(chart.render(is_unicode=True), title, description, chart_id, RATING_ORDER),
        headings=("Year", *RATING_ORDER),
        rows=tuple(
            (label, tuple(c[r] for r in RATING_ORDER))
            for label, c in zip(labels, counts, strict=True)
        ),
    )


def _cp_chart(labels: list[str], counts: list[dict[str, int]], chart_id: str) -> Chart:
    title = "Compliance Plus per year"
    chart = pygal.Bar(**_config(title), style=_style(("CP",)))
    chart.x_labels = labels
    chart.show_legend = False
    cp = [c["CP"] for c in counts]
    chart.add("CP", cp)
    if labels:
        by_year = ", ".join(f"{label}: {n}" for label, n in zip(labels, cp, strict=True))
        description = f"Elements rated Compliance Plus each year. {by_year}."
    else:
        description = "No year has been assessed yet."
    return Chart(
        title=title,
        description=description,
        svg=_finish(chart.render(is_unicode=True), title, description, chart_id, ("CP",)),
        headings=("Year", "CP"),
        rows=tuple((label, (n,)) for label, n in zip(labels, cp, strict=True)),
    )


def _config(title: str) -> dict:
    return {
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "disable_xml_declaration": True,
        "js": [],
        "css": [],
        "no_prefix": True,
        "print_values": True,
        "print_zeroes": False,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "min_scale": 4,
        "max_scale": 8,
        "include_x_axis": True,
        "tooltip_border_radius": 0,
        "value_font_size": 13,
        "x_label_rotation": 0,
        "truncate_label": -1,
        "no_data_text": "No years yet",
    }


def _style(ratings: Sequence[str]) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle="#6b6b6b",
        font_family=FONT,
        colors=tuple(COLOURS[r] for r in ratings),
        opacity="1",
        opacity_hover="1",
    )


# --- From pygal's styled SVG to one with presentation attributes ------------------------------


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def _classes(node: ET.Element) -> set[str]:
    return set((node.get("class") or "").split())


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


def _finish(
    svg: str, title: str, description: str, chart_id: str, ratings: Sequence[str]
) -> SafeString:
    """pygal's SVG made fit for the page and the PDF: no ``<style>``, no script, no tooltip,
    no ids but the chart's own; colours, strokes and fonts as attributes; ``role="img"``
    with a title and a description."""
    root = ET.fromstring(svg)
    parents = {child: parent for parent in root.iter() for child in parent}
    for node in list(root.iter()):
        classes = _classes(node)
        tag = node.tag.removeprefix(f"{{{SVG_NS}}}")
        if (
            tag in ("style", "script")
            or "tooltip" in classes
            or tag == "desc"
            or (tag == "title" and parents.get(node) is not root)
        ):
            parents[node].remove(node)
    for node in list(root):
        if node.tag in (_q("title"), _q("defs")):
            root.remove(node)

    root.attrib.pop("id", None)
    root.set("id", chart_id)
    root.set("class", "progression-chart-svg")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("font-family", FONT)
    root.set("font-size", "12")
    root.set("fill", INK)
    title_node = ET.Element(_q("title"), {"id": f"{chart_id}-title"})
    title_node.text = title
    desc_node = ET.Element(_q("desc"), {"id": f"{chart_id}-desc"})
    desc_node.text = description
    defs = ET.Element(_q("defs"))
    defs.extend(_patterns(chart_id, ratings))
    for index, node in enumerate((title_node, desc_node, defs)):
        root.insert(index, node)

    for node in root.iter():
        node.attrib.pop("style", None)
        if node.get("id", "").startswith("activate-serie"):
            del node.attrib["id"]
        classes = _classes(node)
        color = next((c for c in classes if c.startswith("color-")), None)
        if color is not None:
            rating = ratings[int(color.removeprefix("color-"))]
            text_overlay = "text-overlay" in _classes(parents.get(node, root))
            if text_overlay:
                node.set("fill", TEXT_ON[rating])
            else:
                node.set("fill", _fill(rating, chart_id))
                node.set("stroke", INK)
                node.set("stroke-width", "0.75")
        if "background" in classes:
            node.set("fill", "#ffffff")
        if "line" in classes:
            node.set("fill", "none")
            node.set("stroke", "#d0d0d0" if "guide" in classes else INK)
            node.set("stroke-width", "1")
        if "title" in classes:
            node.set("font-size", "16")
            node.set("font-weight", "600")
            node.set("text-anchor", "middle")
        if "value" in classes:
            node.set("font-size", "13")
            node.set("font-weight", "600")
            node.set("text-anchor", "middle")
        if "axis" in classes:
            anchor = "end" if "y" in classes else "middle"
            for text in node.iter(_q("text")):
                text.set("text-anchor", anchor)
    # ElementTree's namespace prefixes are one registry for the whole process, and WeasyPrint
    # registers its own when it writes a PDF: set ours again before each serialisation, or
    # the charts drawn after a PDF come out as <ns0:svg>, which a browser does not draw.
    _register_namespaces()
    return mark_safe(ET.tostring(root, encoding="unicode"))  # noqa: S308 - our own SVG
