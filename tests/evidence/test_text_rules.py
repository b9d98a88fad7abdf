"""Text typed into the evidence pages: control and bidirectional-override characters are
refused (single-line fields refuse all of them, multi-line ones keep tabs and newlines), by
the forms and by the models; and no form accepts more than its column holds.

Run on PostgreSQL too: a NUL byte or a value longer than its varchar is an error 500 there.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from evidence import forms as evidence_forms
from evidence import services
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from tests.evidence import samples
from tests.factories import AssessmentFactory, ElementFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # right-to-left override: "https://example.org/\u202efdp.exe" shows reversed

# A NUL byte never reaches a view (the middleware answers 400): the forms are tried alone.
SINGLE_LINE_BAD = ["\n", "\x1b[31m", RLO, "\u2066", "\u2028", "\x85"]
MULTI_LINE_BAD = ["\x1b[31m", RLO, "\u2069", "\x7f", "\x0b"]


def add_url(org) -> str:
    return reverse("org:evidence-add", args=[org.slug])


def errors_of(response) -> dict:
    return response.context["form"].errors


@pytest.mark.parametrize("bad", SINGLE_LINE_BAD, ids=repr)
def test_a_title_with_control_characters_is_refused(client, org, lead, bad):
    client.force_login(lead)
    response = client.post(
        add_url(org), {"kind": "note", "title": f"Policy{bad}2024", "body": "text"}
    )
    assert response.status_code == 200
    assert "control characters" in str(errors_of(response)["title"])
    assert f"Policy{bad}2024" in response.context["form"].data["title"]  # kept as typed
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("bad", [RLO, "\n", "\u2067"], ids=repr)
def test_a_link_address_with_control_characters_is_refused(client, org, lead, bad):
    client.force_login(lead)
    response = client.post(
        add_url(org),
        {"kind": "link", "title": "Policy", "url": f"https://example.org/{bad}fdp.exe"},
    )
    assert response.status_code == 200
    assert "url" in errors_of(response)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("bad", MULTI_LINE_BAD, ids=repr)
@pytest.mark.parametrize("field", ["description", "body"])
def test_multi_line_fields_refuse_control_characters(client, org, lead, field, bad):
    client.force_login(lead)
    data = {"kind": "note", "title": "Note", "body": "text", "description": ""}
    data[field] = f"first line\nsecond{bad}line"
    response = client.post(add_url(org), data)
    assert response.status_code == 200
    assert "control characters" in str(errors_of(response)[field])
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("bad", ["\x00", "\x01", RLO, "\u2028"], ids=repr)
def test_the_forms_refuse_them_themselves(bad):
    """Whatever a middleware does about NUL bytes, every text field of every form refuses
    control characters on its own."""
    text = f"a{bad}b"
    link = evidence_forms.LinkForm(
        {"title": text, "url": f"https://example.org/{text}", "description": text},
        members=[],
    )
    assert not link.is_valid()
    assert {"title", "url", "description"} <= set(link.errors)
    note = evidence_forms.NoteForm({"title": "t", "body": text}, members=[])
    assert not note.is_valid() and "body" in note.errors
    upload = evidence_forms.UploadForm({"year": f"20{bad}18", "ref": f"1.{bad}1"})
    assert not upload.is_valid() and {"year", "ref"} <= set(upload.errors)
    filters = evidence_forms.LibraryFilterForm({"q": text, "element": text}, members=[], years=[])
    assert filters.filters() == evidence_forms.LibraryFilters()
    assert {"q", "element"} <= set(filters.errors)


def test_multi_line_fields_keep_tabs_and_newlines(client, org, lead):
    client.force_login(lead)
    text = "Line one\r\n\tLine two\nLine three"
    client.post(add_url(org), {"kind": "note", "title": "Note", "body": text, "description": text})
    item = Evidence.objects.get()
    assert "\tLine two" in item.body and "\tLine two" in item.description


def test_edit_refuses_them_too_and_keeps_what_was_typed(client, org, lead):
    item = EvidenceFactory(organisation=org, title="Policy")
    client.force_login(lead)
    response = client.post(
        reverse("org:evidence-edit", args=[org.slug, item.pk]),
        {"title": f"Policy{RLO}", "url": item.url, "description": "ok"},
    )
    assert "control characters" in str(errors_of(response)["title"])
    item.refresh_from_db()
    assert item.title == "Policy"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", f"Policy{RLO}"),
        ("url", f"https://example.org/{RLO}x"),
        ("description", "a\x1bb"),
        ("body", "a\x00b"),
    ],
)
def test_the_models_refuse_them(org, lead, field, value):
    details = {"title": "Note", field: value}
    with pytest.raises(ValidationError) as refused:
        if field == "url":
            services.add_link(org, value, acting_user=lead, title="Link")
        else:
            services.add_note(org, details.pop("body", "text"), acting_user=lead, **details)
    assert field in refused.value.message_dict
    assert not Evidence.objects.exists()


def test_the_model_fields_carry_the_rule():
    from cse_portal.text import multi_line, single_line

    for model, name, validator in [
        (Evidence, "title", single_line),
        (Evidence, "url", single_line),
        (Evidence, "original_filename", single_line),
        (Evidence, "description", multi_line),
        (Evidence, "body", multi_line),
        (EvidenceVersion, "original_filename", single_line),
        (EvidenceLink, "note", multi_line),
    ]:
        assert validator in model._meta.get_field(name).validators, (model, name)


def test_a_link_note_with_control_characters_is_refused_by_the_service(org, lead):
    element = ElementFactory(ref="1.1.1")
    year = AssessmentFactory(organisation=org, standard=element.standard, year=2018)
    item = EvidenceFactory(organisation=org)
    with pytest.raises(ValidationError):
        services.link(item, year, element, acting_user=lead, note=f"see page 3{RLO}")
    assert not EvidenceLink.objects.exists()
    link, _ = services.link(item, year, element, acting_user=lead, note="line one\nline two")
    with pytest.raises(ValidationError):
        services.update_link_note(link, "a\x1b[2Jb", acting_user=lead)
    link.refresh_from_db()
    assert link.note == "line one\nline two"


def test_a_filename_shown_never_carries_them(org, lead):
    name = f"evil{RLO}fdp.exe\x1b[2J\u2066.pdf"
    item = services.add_file(
        org, services.check_upload(samples.upload(name, samples.PDF)), acting_user=lead
    )
    assert item.original_filename == "evilfdp.exe[2J.pdf"
    assert item.title == "evilfdp.exe[2J"


@pytest.mark.parametrize("bad", ["a\x00b", f"a{RLO}b", "x" * 100_000])
def test_library_filters_with_control_characters_never_500(client, org, lead, bad):
    client.force_login(lead)
    for param in ["q", "element"]:
        response = client.get(reverse("org:evidence-list", args=[org.slug]), {param: bad})
        assert response.status_code in (200, 400)


# --- columns and forms -------------------------------------------------------------------------


FORM_FIELDS_TO_COLUMNS = [
    (evidence_forms.LinkForm, Evidence),
    (evidence_forms.NoteForm, Evidence),
    (evidence_forms.DetailsForm, Evidence),
]


@pytest.mark.parametrize(("form_class", "model"), FORM_FIELDS_TO_COLUMNS)
def test_no_form_field_is_longer_than_its_column(form_class, model):
    form = form_class(members=[])
    for name, field in form.fields.items():
        try:
            column = model._meta.get_field(name)
        except Exception:
            continue
        if isinstance(column, models.CharField):
            assert field.max_length is not None, name
            assert field.max_length <= column.max_length, name


def test_the_values_derived_from_input_fit_their_columns(org, lead):
    """The stored name and title come from the uploaded name; the type from a fixed list."""
    from evidence import filetypes

    name = "é" * 400 + ".pdf"
    item = services.add_file(
        org, services.check_upload(samples.upload(name, samples.PDF)), acting_user=lead
    )
    fields = {f.name: f for f in Evidence._meta.get_fields() if isinstance(f, models.CharField)}
    assert len(item.original_filename) <= fields["original_filename"].max_length
    assert len(item.title) <= fields["title"].max_length
    longest = max(
        len(t.content_type)
        for t in [*vars(filetypes).values(), *filetypes.OPENDOCUMENT_TYPES.values()]
        if isinstance(t, filetypes.FileType)
    )
    assert longest <= fields["content_type"].max_length


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "note", "title": "t" * 201, "body": "b"}, "title"),
        ({"kind": "link", "title": "t", "url": "https://example.org/" + "a" * 1990}, "url"),
        ({"kind": "link", "title": "t", "url": "example.org/" + "a" * 1985}, "url"),
    ],
    ids=["title", "url", "url-without-scheme"],
)
def test_too_long_values_are_refused_with_a_message(client, org, lead, data, field):
    client.force_login(lead)
    response = client.post(add_url(org), data)
    assert response.status_code == 200
    assert "at most" in str(errors_of(response)[field])
    assert not Evidence.objects.exists()


def test_the_longest_accepted_values_are_stored(client, org, lead):
    client.force_login(lead)
    url = "https://example.org/" + "a" * 1980
    response = client.post(add_url(org), {"kind": "link", "title": "t" * 200, "url": url})
    assert response.status_code == 302
    assert Evidence.objects.get().url == url


def test_the_link_note_forms_refuse_them(client, org, lead):
    """The element page's forms (assessments.forms) refuse what the service refuses, with the
    form's message: never a 500."""
    element = ElementFactory(ref="1.1.1")
    year = AssessmentFactory(organisation=org, standard=element.standard, year=2018)
    from tests.factories import ElementResultFactory

    ElementResultFactory(assessment=year, element=element)
    item = EvidenceFactory(organisation=org)
    link, _ = services.link(item, year, element, acting_user=lead, note="kept")
    client.force_login(lead)
    response = client.post(
        reverse("org:link-note", args=[org.slug, 2018, link.pk]),
        {"note": f"page 3{RLO}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    link.refresh_from_db()
    assert link.note == "kept"
    other = EvidenceFactory(organisation=org)
    response = client.post(
        reverse("org:element-link", args=[org.slug, 2018, "1.1.1"]),
        {"evidence_id": other.pk, "note": "a\x1bb"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not EvidenceLink.objects.filter(evidence=other).exists()
