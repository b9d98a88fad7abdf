"""reports.board_report: the board report's content, read back from the PDF (pdftotext,
pdfinfo, pdffonts from poppler-utils) for the seeded organisation's 2018."""

import re
import shutil
import subprocess
import zlib
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from assessments.models import Assessment, CriterionSummary, ElementResult
from reports.board_report import (
    CoverSheet,
    board_report_context,
    render_board_report_html,
    render_board_report_pdf,
)
from reports.charts import progression_charts
from standards import memo
from standards.models import Criterion, Element

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdffonts"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")

COVER = CoverSheet(
    meeting="Governing Body (Public)",
    meeting_date=date(2019, 1, 23),
    author="Andy Hudson (Lay Member)",
    sponsor="Chair of the Governing Body",
    purpose="information",
    assurance="substantial",
    recommendation="To note the report and publish it on the website.",
    risks="None",
    equality_impact="Not relevant",
    previously_considered_by="Quality and Performance Committee",
)


def _tool(*args: str, data: bytes | None = None) -> str:
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = _tool("pdftotext", "-layout", str(path), "-")
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _page_sizes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "sizes.pdf"
    path.write_bytes(pdf)
    info = _tool("pdfinfo", "-f", "1", "-l", "999", str(path))
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    ]


def _objects(pdf: bytes) -> bytes:
    """The PDF's objects, its compressed streams inflated (the catalogue sits in one)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def report(y2018, tmp_path):
    pdf, pages = render_board_report_pdf(y2018, COVER)
    return pdf, pages, _pages(pdf, tmp_path)


@needs_poppler
def test_the_pdf_is_a_tagged_a4_document_with_title_language_and_shipped_fonts(report, tmp_path):
    pdf, pages, texts = report
    assert pdf.startswith(b"%PDF-1.7")
    assert pages == len(texts) > 3
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    info = _tool("pdfinfo", str(path))
    assert "Acme Care: Results of the 2018 Customer Service Excellence assessment" in info
    assert re.search(r"Tagged:\s+yes", info)
    objects = _objects(pdf)
    assert b"/Lang (en-GB)" in objects
    assert b'pdfuaid:part="1"' in objects or b"<pdfuaid:part>1<" in objects  # PDF/UA-1
    fonts = _tool("pdffonts", str(path)).splitlines()[2:]
    assert fonts, "no font in the PDF"
    for line in fonts:
        assert "Report-Sans" in line, line  # only the shipped family (static/fonts)
        assert " yes " in line  # embedded (subset)


@needs_poppler
def test_every_page_names_the_organisation_and_the_year_and_is_numbered(report):
    _pdf, pages, texts = report
    for number, text in enumerate(texts, start=1):
        assert "Acme Care" in text, f"page {number}"
        assert "Customer Service Excellence 2018" in text, f"page {number}"
        assert f"Page {number} of {pages}" in text, f"page {number}"


@needs_poppler
def test_the_cover_sheet_and_the_executive_summary_are_counted_from_the_data(report):
    _pdf, _pages, texts = report
    cover = _words(texts[0] + texts[1])
    for field in (
        "Governing Body (Public)",
        "23 January 2019",
        "Andy Hudson (Lay Member)",
        "For information",
        "Substantial assurance",
        "Quality and Performance Committee",
    ):
        assert field in cover, field
    assert "There was no deterioration: no element is rated lower than in 2017." in cover
    assert "Partial Compliance remains in 3 of the 57 elements" in cover
    assert "2.1.4, 4.1.2 and 5.3.2" in cover
    assert "two new Compliance Plus ratings this year: 2.2.4 and 4.1.1" in cover
    assert "14 of the 57 elements (25%) are now rated Compliance Plus" in cover
    assert "4.1.2 and 5.3.2 have been rated Partial Compliance every year since 2014" in cover


@needs_poppler
def test_the_figures_criteria_and_changes_are_in_the_report(report):
    _pdf, _pages, texts = report
    body = _words(" ".join(texts))
    assert "1. The 2018 figures" in body
    assert "Ratings per year" in body and "Compliance Plus per year" in body
    # the charts are drawn, not laid out as the SVG's text run together
    assert "yearStacked" not in body and "0102030405" not in body.replace(" ", "")
    # The figures table: CP 14 (12 in 2017, +2), PC 3.
    assert re.search(r"CP Compliance Plus 14 12 \+2", body)
    assert re.search(r"PC Partial Compliance 3 3 0", body)
    for criterion in ("Customer Insight", "Delivery", "Timeliness and Quality of Service"):
        assert criterion in body
    assert "CP 2.2.4 (new this year)" in body and "CP 4.1.1 (new this year)" in body
    assert "PC 4.1.2: Partial Compliance" in body
    assert "No improvement action has been raised for this element." in body
    assert "3. Changes since the previous year" in body
    assert "Compliance Plus gained 2.2.4, 4.1.1" in body


@needs_poppler
def test_annex_one_is_landscape_with_its_header_on_every_page(report, tmp_path):
    pdf, pages, texts = report
    sizes = _page_sizes(pdf, tmp_path)
    assert len(sizes) == pages
    annex_pages = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert annex_pages, "no landscape page"
    assert annex_pages == list(range(annex_pages[0], pages))  # the annex closes the report
    for i, (w, h) in enumerate(sizes):
        portrait = (round(w), round(h)) == (595, 842)
        assert portrait or (round(w), round(h)) == (842, 595), sizes[i]
    for i in annex_pages:
        words = _words(texts[i])
        assert re.search(r"Ref Element 2014 Y1 2015 Y2 2016 Y3 2017 Y4 2018", words), i
    assert "Annex One" in texts[annex_pages[0]]
    annex_text = _words(" ".join(texts[i] for i in annex_pages))
    assert re.search(
        r"4\.1\.2 We monitor and meet our standards.*?PC X PC X PC PC X PC", annex_text
    )
    assert "Elements sampled, all criteria" in annex_text


def test_the_improvement_actions_and_the_assessors_words_are_quoted(y2018, lead):
    """Comments, summaries and actions are what the assessor and the lead wrote, escaped."""
    element = Element.objects.get(standard=y2018.standard, ref="4.1.2")
    ElementResult.objects.filter(assessment=y2018, element=element).update(
        comment="Targets <b>missed</b> on A&E waits."
    )
    ElementResult.objects.filter(assessment=y2018, element__ref="2.2.4").update(
        comment="Front-line insight shapes service planning."
    )
    Assessment.objects.filter(pk=y2018.pk).update(assessor_summary="A strong, open year.")
    y2018.refresh_from_db()
    CriterionSummary.objects.create(
        assessment=y2018,
        criterion=Criterion.objects.get(standard=y2018.standard, ref="4"),
        text="Very robust monitoring of performance.",
    )
    Action.objects.create(
        organisation=y2018.organisation,
        element=element,
        raised_in=y2018,
        description="Publish monthly performance against every target.",
        owner=lead,
        due_date=date(2019, 11, 21),
    )
    html = render_board_report_html(y2018, COVER)
    assert "Targets &lt;b&gt;missed&lt;/b&gt; on A&amp;E waits." in html
    assert "Front-line insight shapes service planning." in html
    assert "A strong, open year." in html
    assert "Very robust monitoring of performance." in html
    assert "Publish monthly performance against every target." in html
    assert "21 Nov 2019" in html


def test_the_context_costs_a_fixed_number_of_queries(y2018):
    y2018 = Assessment.objects.select_related("organisation").get(pk=y2018.pk)
    memo.forget()
    with CaptureQueriesContext(connection) as queries:
        context = board_report_context(y2018, CoverSheet())
    # the years with every result, the standard's elements (reports.progression); the year's
    # outcome; its results; its criterion summaries; the actions on its PC and NC elements
    assert len(queries) == 6, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as again:
        board_report_context(y2018, CoverSheet())
    assert len(again) == 5  # the standard's elements are kept (standards.memo)
    assert [c.ref for c in context["criteria"]] == ["1", "2", "3", "4", "5"]


def test_a_first_year_says_there_is_nothing_to_compare_with(seeded):
    first = Assessment.objects.get(organisation=seeded, year=2014)
    html = render_board_report_html(first, CoverSheet())
    assert "This is the organisation&#x27;s first assessed year" in html
    assert "Not given" in html  # a blank cover sheet says so rather than showing nothing


def test_the_progression_charts_are_still_plain_svg_after_a_pdf(y2018):
    """WeasyPrint registers ElementTree's default namespace for its own metadata; the charts
    drawn after a PDF (the page, in the same worker) must still be ``<svg …>``, not
    ``<ns0:svg …>`` (they were, before the charts stopped relying on that registry)."""
    render_board_report_pdf(y2018, CoverSheet())
    chart = progression_charts([("2031", {"CP": 3, "C": 50, "PC": 4, "NC": 0})])
    for svg in (str(chart.ratings.svg), str(chart.compliance_plus.svg)):
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"'), svg[:60]
        assert "ns0:" not in svg


@needs_poppler
def test_the_four_ratings_stay_apart_when_printed_in_greyscale(tmp_path):
    """Each rating's Annex One cell, drawn by the report's own stylesheet and printed in
    greyscale: CP and C plain at clearly different lightnesses, PC and NC textured (their
    stripes show as a spread of greys) and apart from each other."""
    from PIL import Image, ImageStat
    from weasyprint import HTML

    from reports.board_report import STYLESHEET, _static_dir

    css = (_static_dir() / STYLESHEET).read_text(encoding="utf-8")
    cells = "".join(
        f'<section style="page-break-after: always"><table style="width: 100%">'
        f'<tr><td class="cell r-{rating}" style="height: 28mm"></td></tr></table></section>'
        for rating in ("CP", "C", "PC", "NC")
    )
    html = (
        f"<html><head><style>{css} @page {{ size: 40mm 40mm; margin: 2mm; "
        "@top-left { content: none } @top-right { content: none } "
        "@bottom-left { content: none } @bottom-right { content: none } }</style></head>"
        f"<body>{cells}</body></html>"
    )
    pdf = tmp_path / "cells.pdf"
    pdf.write_bytes(HTML(string=html).write_pdf())
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "100", "-png", str(pdf), str(tmp_path / "cell")], check=True
    )
    stats = {}
    for page, rating in enumerate(("CP", "C", "PC", "NC"), start=1):
        image = Image.open(tmp_path / f"cell-{page}.png").convert("L")
        w, h = image.size
        middle = ImageStat.Stat(image.crop((w // 4, h // 3, 3 * w // 4, 2 * h // 3)))
        stats[rating] = (middle.mean[0], middle.stddev[0])
    (cp, _), (c, _) = stats["CP"], stats["C"]
    assert c - cp > 100, stats  # a dark cell and a light one
    assert stats["CP"][1] < 5 and stats["C"][1] < 5, stats  # both plain
    assert stats["PC"][1] > 15 and stats["NC"][1] > 15, stats  # both textured
    assert abs(stats["PC"][0] - stats["NC"][0]) > 20, stats  # and apart
    assert abs(stats["PC"][0] - c) > 20 and abs(stats["NC"][0] - cp) > 20, stats
