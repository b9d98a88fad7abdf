"""reports.charts: the two progression charts as self-contained SVG with text alternatives."""

import re
import xml.etree.ElementTree as ET

from reports.charts import COLOURS, progression_charts

SEED_YEARS = [
    ("2014", {"CP": 0, "C": 47, "PC": 10, "NC": 0}),
    ("Y1 2015", {"CP": 6, "C": 46, "PC": 5, "NC": 0}),
    ("Y4 2018", {"CP": 14, "C": 40, "PC": 3, "NC": 0}),
]


def test_the_svg_needs_no_script_no_style_and_no_remote_asset():
    charts = progression_charts(SEED_YEARS)
    for chart in (charts.ratings, charts.compliance_plus):
        svg = str(chart.svg)
        assert svg.startswith("<svg") and "<?xml" not in svg
        for forbidden in ("<script", "<style", "style=", "http://www.w3.org/1999/xhtml", "href="):
            assert forbidden not in svg, forbidden
        assert "kozea.github.io" not in svg and "onload" not in svg
        root = ET.fromstring(svg)  # well-formed
        assert root.get("role") == "img"


def test_each_chart_has_a_title_a_description_and_its_figures():
    charts = progression_charts(SEED_YEARS)
    ratings = charts.ratings
    assert ratings.title == "Ratings per year"
    assert "Compliance Plus 14, Compliance 40, Partial Compliance 3" in ratings.description
    assert ratings.headings == ("Year", "CP", "C", "PC", "NC")
    assert ratings.rows[-1] == ("Y4 2018", (14, 40, 3, 0))
    svg = str(ratings.svg)
    assert 'aria-labelledby="progression-ratings-title progression-ratings-desc"' in svg
    assert '<title id="progression-ratings-title">Ratings per year</title>' in svg
    cp = charts.compliance_plus
    assert cp.rows == (("2014", (0,)), ("Y1 2015", (6,)), ("Y4 2018", (14,)))
    assert "Y4 2018: 14" in cp.description
    # The year headings are the chart's labels.
    assert ">Y1 2015<" in str(cp.svg)


def test_the_ratings_are_coloured_and_pc_nc_patterned():
    svg = str(progression_charts(SEED_YEARS).ratings.svg)
    assert f'fill="{COLOURS["CP"]}"' in svg and f'fill="{COLOURS["C"]}"' in svg
    assert 'fill="url(#progression-ratings-pc)"' in svg
    assert '<pattern id="progression-ratings-nc"' in svg


def test_ids_are_unique_per_chart_and_prefix():
    page = progression_charts(SEED_YEARS)
    pdf = progression_charts(SEED_YEARS, id_prefix="report")
    ids = []
    for chart in (page.ratings, page.compliance_plus, pdf.ratings, pdf.compliance_plus):
        ids += re.findall(r'\bid="([^"]*)"', str(chart.svg))
    assert "" not in ids
    assert len(ids) == len(set(ids))


def test_no_years_yet():
    charts = progression_charts([])
    assert charts.ratings.rows == ()
    assert "No year has been assessed yet" in charts.ratings.description
    ET.fromstring(str(charts.ratings.svg))


def test_the_svg_stays_plain_svg_after_another_library_registers_namespaces():
    """WeasyPrint registers XML namespaces of its own when a PDF is written; the charts drawn
    after that in the same process must still be plain ``<svg>`` a browser draws inline."""
    ET.register_namespace("svg", "http://www.w3.org/2000/svg")
    ET.register_namespace("xl", "http://www.w3.org/1999/xlink")
    try:
        charts = progression_charts([("2020", {"CP": 1, "C": 2, "PC": 3, "NC": 4})])
        svg = str(charts.ratings.svg)
        assert svg.startswith("<svg") and "<svg:" not in svg
    finally:
        ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def test_the_scale_is_whole_steps_reaching_the_highest_bar():
    from reports.charts import scale

    assert scale(0) == (4, 1)
    assert scale(57) == (60, 10)
    assert scale(19) == (20, 5)
    for highest in range(1, 2001):
        top, step = scale(highest)
        steps = top // step
        assert top % step == 0 and top >= highest and 4 <= steps <= 8, highest
        assert top - highest < step or steps == 4, highest  # no empty step above the bars


def test_a_segment_too_low_for_its_figure_leaves_it_to_the_table():
    """One NC among 57 is a sliver: its figure would overprint the next one's, so only the
    figures table (and the description) gives it."""
    chart = progression_charts([("2020", {"CP": 10, "C": 45, "PC": 1, "NC": 1})]).ratings
    figures = [node.text for node in ET.fromstring(str(chart.svg)).iter() if node.text]
    assert "10" in figures and "45" in figures
    assert "1" not in figures
    assert chart.rows == (("2020", (10, 45, 1, 1)),)


def test_ten_years_labels_take_two_lines_rather_than_overlap():
    years = [(f"Y{i % 3 + 1} {2016 + i}", {"CP": 10, "C": 40, "PC": 5, "NC": 2}) for i in range(10)]
    svg = str(progression_charts(years).ratings.svg)
    assert svg.count("<tspan") == 20
    assert ">Y1</tspan>" in svg and ">2016</tspan>" in svg
    # Five years leave room for one line each.
    svg = str(progression_charts(years[:5]).ratings.svg)
    assert "<tspan" not in svg and ">Y1 2016<" in svg


def test_bars_stand_in_proportion_to_their_figures():
    svg = ET.fromstring(str(progression_charts(SEED_YEARS).compliance_plus.svg))
    ns = "{http://www.w3.org/2000/svg}"
    heights = [
        float(rect.get("height"))
        for rect in svg.iter(f"{ns}rect")
        if rect.get("fill") == COLOURS["CP"] and rect.get("stroke")
    ]
    assert len(heights) == 2  # 2014 had none: no bar
    assert abs(heights[1] / heights[0] - 14 / 6) < 0.01
