"""The assessment pages' fragments drawn in Python (assessments/templatetags/assessment_tags):
escaping, the rating badge and legend, one drawing of a grid row's self-rating form and notes
and of the HTMX answers that replace them, and the grid rows' URLs."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from assessments.queries import year_grid
from assessments.templatetags.assessment_tags import (
    Fragment,
    fragments_open_and_locked,
    notes_html,
    page_url,
    rating_badge,
    rating_letters,
    row_url,
    row_urls_html,
    self_form_html,
)

HX = {"HX-Request": "true"}


# --- escaping --------------------------------------------------------------------------------


def test_a_fragment_escapes_values_unless_marked_safe():
    fragment = Fragment('<a href="{url}" title="{title}">{body}</a>')
    out = fragment(url="/x?a=1&b=2", title='"quoted" <b>', body=mark_safe("<b>bold</b>"))
    assert isinstance(out, SafeString)
    assert out == ('<a href="/x?a=1&amp;b=2" title="&quot;quoted&quot; &lt;b&gt;"><b>bold</b></a>')
    assert Fragment("<li>{line}</li>").join(["a & b", 3]) == "<li>a &amp; b</li><li>3</li>"


@pytest.mark.parametrize("bad", ["{0}", "{}", "{name!r}", "{name:>5}", "{a.b}"])
def test_a_fragment_takes_plain_names_only(bad):
    with pytest.raises(ValueError):
        Fragment(f"<b>{bad}</b>")


def test_the_grid_forms_escape_what_was_typed():
    form = self_form_html(
        action="/self/",
        anchor="el-1-1-1",
        ref="1.1.1",
        rating='"><script>',
        next_url="/back/?a=1&b=2",
        csrf=SafeString(""),
        error="“<i>” is not a rating",
    )
    assert "<script>" not in form and "<i>" not in form
    assert '<option value="&quot;&gt;&lt;script&gt;" selected>' in form
    assert 'value="/back/?a=1&amp;b=2"' in form
    notes = notes_html(
        action="/self/",
        anchor="el-1-1-1",
        ref="1.1.1",
        notes="</textarea><script>",
        next_url="/back/",
        csrf=SafeString(""),
        form=True,
    )
    assert "<script>" not in notes
    assert "&lt;/textarea&gt;&lt;script&gt;</textarea>" in notes
    read_only = notes_html(
        action="/self/", anchor="a", ref="1", notes="a <b>\nline", next_url="/",
        csrf=SafeString(""), form=False,
    )  # fmt: skip
    assert "a &lt;b&gt;<br>line" in read_only and "<textarea" not in read_only


# --- the rating badge ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "name"),
    [
        ("CP", "Compliance Plus"),
        ("C", "Compliance"),
        ("PC", "Partial Compliance"),
        ("NC", "Non-Compliance"),
    ],
)
def test_the_rating_badge_shows_its_letters_and_says_its_name(rating, name):
    """The letters are seen; a screen reader reads the name (not "C P"), a pointer's title
    repeats it; nothing depends on the title alone."""
    badge = rating_badge(rating)
    assert badge == (
        f'<span class="rating rating-{rating}"><abbr title="{name}" aria-hidden="true">'
        f'{rating}</abbr><span class="visually-hidden">{name}</span></span>'
    )
    rendered = Template("{% load assessment_tags %}{% rating_badge r %}").render(
        Context({"r": rating})
    )
    assert rendered == badge
    assert rating_letters(rating) in badge


@pytest.mark.parametrize("rating", ["", None])
def test_no_rating_is_a_dash_read_as_not_rated(rating):
    assert rating_badge(rating) == (
        '<span class="text-muted not-rated"><span aria-hidden="true">–</span>'
        '<span class="visually-hidden">Not rated</span></span>'
    )


def test_a_value_that_is_not_a_rating_is_not_drawn_as_one():
    assert rating_badge("<b>") == '<span class="rating">&lt;b&gt;</span>'
    assert rating_letters("<b>") == "&lt;b&gt;"


def test_the_legend_says_what_each_letter_means():
    legend = Template("{% load assessment_tags %}{% rating_legend %}").render(Context())
    text = re.sub(r"<[^>]+>", "", legend)
    for letters, name in [
        ("CP", "Compliance Plus"),
        ("C", "Compliance"),
        ("PC", "Partial Compliance"),
        ("NC", "Non-Compliance"),
    ]:
        assert f"{letters} {name}" in text


# --- one drawing of the grid row's form ------------------------------------------------------


def _form(page: str, anchor: str) -> str:
    match = re.search(rf'<form id="self-{anchor}".*?</form>', page, re.S)
    assert match, anchor
    without_token = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", match[0])
    return re.sub(r"data-save-status>.*?</p>", "data-save-status></p>", without_token)


def test_the_htmx_answer_is_the_rows_form_redrawn(client, y2018, lead):
    org = y2018.organisation
    grid_path = reverse("org:year", args=[org.slug, 2018]) + "?criterion=1"
    client.force_login(lead)
    page = client.get(grid_path).content.decode()
    for ref, rating in [("1.1.2", "C"), ("1.3.3.1", "")]:
        anchor = "el-" + ref.replace(".", "-")
        response = client.post(
            reverse("org:self-assessment", args=[org.slug, 2018, ref]),
            {"self_rating": rating, "layout": "grid", "next": grid_path},
            headers=HX,
        )
        answer = response.content.decode()
        assert "✓ Saved" in answer
        redrawn = client.get(grid_path).content.decode()
        assert _form(answer, anchor) == _form(redrawn, anchor)
        if rating == "":  # not changed: the page before the save drew the same form
            assert _form(answer, anchor) == _form(page, anchor)


def _notes(page: str, anchor: str) -> str:
    match = re.search(
        rf'<details class="row-notes mt-1" id="notes-{anchor}".*?</details>', page, re.S
    )
    assert match, anchor
    without_token = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", match[0])
    closed = without_token.replace(f'id="notes-{anchor}" open>', f'id="notes-{anchor}">')
    return re.sub(r"data-save-status>.*?</p>", "data-save-status></p>", closed)


def test_the_htmx_answer_to_notes_is_the_rows_notes_redrawn_open(client, y2018, lead):
    org = y2018.organisation
    grid_path = reverse("org:year", args=[org.slug, 2018])
    client.force_login(lead)
    response = client.post(
        reverse("org:self-assessment", args=[org.slug, 2018, "1.2.1"]),
        {"self_notes": "Survey of 2018\nand its actions", "layout": "notes", "next": grid_path},
        headers=HX,
    )
    answer = response.content.decode()
    assert response["X-Portal-Partial"] == "1" and "✓ Saved" in answer
    assert 'id="notes-el-1-2-1" open>' in answer  # stays unfolded where it was typed
    redrawn = client.get(grid_path).content.decode()
    assert _notes(answer, "el-1-2-1") == _notes(redrawn, "el-1-2-1")
    assert "Survey of 2018 and its actions" in _notes(redrawn, "el-1-2-1")  # the summary


# --- the rows' URLs --------------------------------------------------------------------------


def test_every_row_links_to_its_element_and_posts_to_its_self_assessment(y2018):
    org = y2018.organisation
    rows = [row for g in year_grid(y2018).groups for s in g.sub_criteria for row in s.rows]
    assert len(rows) == 72
    for row in rows:
        ref = row.element.ref
        assert row.url == reverse("org:element", args=[org.slug, 2018, ref])
        assert row.self_url == reverse("org:self-assessment", args=[org.slug, 2018, ref])


def test_a_forms_open_and_locked_drawings_are_the_form_with_its_parts_or_without():
    text = '<form action="{action}"{htmx}>{csrf}{save}</form>'
    parts = {"htmx": ' hx-post="{action}"', "save": "<button>Save {ref}</button>"}
    drawings = fragments_open_and_locked(text, **parts)
    values = {"action": "/a?b=1&c=2", "ref": "<1.1>", "csrf": mark_safe("<input>")}
    whole = Fragment(text)
    filled = {name: Fragment(part)(**values) for name, part in parts.items()}
    assert drawings[False](**values) == whole(**values, **filled)
    assert drawings[True](**values) == whole(**values, htmx="", save="")
    assert drawings[False](**values) == (
        '<form action="/a?b=1&amp;c=2" hx-post="/a?b=1&amp;c=2"><input>'
        "<button>Save &lt;1.1&gt;</button></form>"
    )


# --- a URL per row ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("org:link-note", ["acme", 2018, 7]),
        ("org:link-unlink", ["acme", 2019, 123456]),
        ("org:evidence-detail", ["other-org", 1]),
    ],
)
def test_row_url_is_what_reverse_gives(name, args):
    assert row_url(name, *args) == reverse(name, args=args)
    names = " ".join(f"a{n}" for n in range(len(args)))
    rendered = Template(f"{{% load assessment_tags %}}{{% row_url name {names} %}}").render(
        Context({"name": name, **{f"a{n}": arg for n, arg in enumerate(args)}})
    )
    assert rendered == reverse(name, args=args)


@pytest.mark.parametrize(
    ("name", "place", "row_id"),
    [
        ("org:link-note", ["acme", 2018], 7),
        (
            "org:evidence-detail",
            [
                "a-b_c",
            ],
            123456,
        ),
        ("org:evidence-download", ["acme"], 1),
    ],
)
def test_row_urls_html_is_what_reverse_gives_escaped(name, place, row_id):
    url_of = row_urls_html(name, *place)
    url = url_of(row_id)
    assert url == conditional_escape(reverse(name, args=[*place, row_id]))
    assert isinstance(url, SafeString)
    assert url_of(str(row_id)) == url  # an id as text, as from a form


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("org:dashboard", ["acme"]),
        ("org:summaries", ["acme", 2018]),
        ("org:element-history", ["acme", 2018, "1.3.3.1"]),
    ],
)
def test_page_url_is_what_the_url_tag_gives(name, args):
    names = " ".join(f"a{n}" for n in range(len(args)))
    context = Context({"name": name, **{f"a{n}": arg for n, arg in enumerate(args)}})
    for _ in range(2):  # resolved, then kept
        cached = Template(f"{{% load assessment_tags %}}{{% page_url name {names} %}}")
        plain = Template(f"{{% url name {names} %}}")
        assert cached.render(context) == plain.render(context) == reverse(name, args=args)
        kept = Template(
            f"{{% load assessment_tags %}}{{% page_url name {names} as u %}}[{{{{ u }}}}]"
        )
        assert kept.render(context) == f"[{reverse(name, args=args)}]"


def test_page_url_follows_the_script_prefix():
    from django.urls import set_script_prefix

    assert page_url("org:summaries", "acme", 2018) == "/o/acme/assessments/2018/summaries/"
    try:
        set_script_prefix("/portal/")
        assert (
            page_url("org:summaries", "acme", 2018) == "/portal/o/acme/assessments/2018/summaries/"
        )
    finally:
        set_script_prefix("/")


def test_row_url_follows_the_script_prefix():
    from django.urls import set_script_prefix

    try:
        set_script_prefix("/portal/")
        assert (
            row_url("org:link-note", "acme", 2018, 5)
            == "/portal/o/acme/assessments/2018/links/5/note/"
        )
    finally:
        set_script_prefix("/")
    assert row_url("org:link-note", "acme", 2018, 5) == "/o/acme/assessments/2018/links/5/note/"
