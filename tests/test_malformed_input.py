"""Malformed input never makes a 500: every URL, every form, every query parameter.

The walk is driven by the app itself, so a page added later is covered without touching this
file. For every URL pattern (Django's admin aside) it

- opens the page with real ids as a quality lead, an admin and an assessor of an organisation
  with the real 2014–2018 history, and signed out;
- fills each path parameter in turn with malformed values (NUL, huge numbers, non-UTF-8
  bytes, bidi and control characters, another organisation's slug …);
- reads the HTML forms of each page it opened (and the query parameters of its links) and
  sends each form with each field in turn replaced by malformed values, the other fields kept
  valid, the way the browser sends it (plain, HTMX, and the uploader's JSON request);
- opens each page with malformed values in ``next``;
- sends every file field of every multipart form a set of hostile files (empty, random bytes,
  HTML as .pdf, a program, NUL and bidi characters in the name…).

The API's URLs (DRF views, found from the resolver too) are walked by their own test: with a
token, a session, no credentials and malformed Authorization headers, by every method, each
query parameter of the OpenAPI description malformed in turn. The browser import of Annex One
spreadsheets meets 39 malformed files (each a clear message, nothing written, a short page).

Any 500 (or exception) fails the test of the page where the form or link was found, naming
the request, the field and the value. Each request runs in a savepoint that is rolled back, so
a form that deletes or changes something does not hide the next one's page.
"""

import io
import logging
import re
import traceback
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote_from_bytes, urljoin, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.tokens import create_token
from assessments.models import Assessment
from organisations.models import Role
from standards.models import Element
from tests.evidence.samples import PDF
from tests.factories import (
    ActionFactory,
    BoardReportFactory,
    EvidenceLinkFactory,
    EvidencePackFactory,
    EvidenceVersionFactory,
    FileEvidenceFactory,
    InvitationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

# Django's own admin is for staff only and its forms are Django's: not walked here.
EXCLUDED_NAMESPACES = {"admin"}

# ---------------------------------------------------------------------------------------------
# The values. Each is the bytes sent (percent-encoded in a URL or urlencoded body).

MALFORMED: dict[str, bytes] = {
    "NUL": b"a\x00b",
    "huge number": b"99999999999999999999",
    "negative": b"-1",
    "1e400": b"1e400",
    "not UTF-8": b"\xff\xfe\xc3(",
    "100 KB": b"x" * 100_000,
    "superscript digits": "²⁰¹⁸".encode(),
    "Arabic-Indic digits": "٢٠١٨".encode(),
    "next=elsewhere": b"elsewhere",
    "another host": b"//evil.example/x",
    "control characters": b"\x1b[2J\r\nX-Injected: 1\x7f",
    "bidi override": "\u202egnp.exe\u2066".encode(),
    "empty": b"",
    "spaces": b"   ",
    "decimal": b"1.5",
    "zero": b"0",
}
# Every file field (of every multipart form, an import's as well as the uploader's) gets
# these files; tests/evidence/test_upload_fuzz.py throws many more at the evidence uploads.
MALFORMED_FILES: dict[str, tuple[str, bytes]] = {
    "zero bytes": ("empty.pdf", b""),
    "random bytes as .xlsx": ("chart.xlsx", bytes(range(256)) * 8),
    "HTML with script as .pdf": ("page.pdf", b"<html><script>alert(1)</script></html>"),
    "zip header then garbage": ("archive.zip", b"PK\x03\x04" + b"\x13" * 600),
    "NUL in the name": ("re\x00port.pdf", PDF),
    "bidi override in the name": ("invoice\u202efdp.exe", PDF),
    "300-character name": ("n" * 300 + ".pdf", PDF),
    "a Windows program": ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60),
}
# Every field gets these; the others are shared out between a form's fields so that each
# form meets every value (numbers go to every field whose valid value is a number).
CORE = ["NUL", "not UTF-8", "100 KB", "superscript digits", "control characters", "empty"]
NUMERIC = ["huge number", "negative", "1e400", "decimal", "zero", "Arabic-Indic digits"]
OTHERS = [name for name in MALFORMED if name not in CORE]
NEXT_VALUES = ["next=elsewhere", "another host", "NUL", "not UTF-8", "control characters"]

# Path parameters, by converter: what the converter lets through to the view.
PATH_VALUES: dict[str, list[str]] = {
    "int": ["0", "99999999999999999999", "2147483648", "9223372036854775808"],
    "slug": ["elsewhere", "x" * 300, "-1"],
    "str": [
        "%00",
        "a%00b",
        "%FF%FE",
        "%C2%B2%E2%81%B0%C2%B9%E2%81%B8",  # ²⁰¹⁸
        "%E2%80%AEx",
        "%1B%5B2J",
        "x" * 2_000,
        "-1",
        "99999999999999999999",
        "1e400",
        "%20",
        "1.1.1.1.1",
    ],
}

# ---------------------------------------------------------------------------------------------
# The URL patterns.

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # "o/<slug:org_slug>/evidence/<int:evidence_pk>/"
    name: str  # "org:evidence-detail"

    def __str__(self) -> str:
        return self.name

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """(converter, name) of each path parameter."""
        return [(m["converter"] or "str", m["name"]) for m in PARAMETER.finditer(self.route)]


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver) and entry.namespace in EXCLUDED_NAMESPACES:
            continue
        if not isinstance(entry.pattern, RoutePattern):
            raise AssertionError(
                f"{prefix}{entry.pattern} is a re_path(): use path(), or teach "
                "tests/test_malformed_input.py to fill regular expressions"
            )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield Route(route, ":".join(filter(None, [namespace, entry.name or route])))


ROUTES = sorted(set(walk(get_resolver().url_patterns)), key=lambda r: r.name)


def url_name(path: str) -> str | None:
    """The URL name a local path resolves to, or None (another site, or nothing)."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


# ---------------------------------------------------------------------------------------------
# The organisation the pages are walked in.


@dataclass
class World:
    organisation: object
    users: dict[str, object]  # role name → user (None: signed out)
    newcomer: object  # the quality lead of an organisation with no year yet
    values: dict[str, str]  # path parameter → a real value
    reset_token: str


@pytest.fixture
def world(seeded, other_org, member_of, settings, tmp_path) -> World:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    org = seeded
    lead = member_of(org, Role.QUALITY_LEAD)
    admin = member_of(org, Role.ADMIN)
    assessor_membership = MembershipFactory(organisation=org, role=Role.ASSESSOR)
    newcomer = member_of(other_org, Role.QUALITY_LEAD)
    y2018 = Assessment.objects.get(organisation=org, year=2018)
    element = Element.objects.get(standard=y2018.standard, ref="1.1.1")
    evidence = FileEvidenceFactory(organisation=org, created_by=lead)
    version = EvidenceVersionFactory(evidence=evidence)
    link = EvidenceLinkFactory(evidence=evidence, assessment=y2018, element=element)
    # An item a search finds ("Probe text" is what the walk types into text fields), so the
    # element page's search shows its link form.
    FileEvidenceFactory(organisation=org, created_by=lead, title="Probe text policy")
    api_token = create_token(lead, name="Probe", lifetime_days=90, acting_user=lead).token
    action = ActionFactory(
        raised_in=y2018,
        element=Element.objects.get(standard=y2018.standard, ref="2.1.4"),
        owner=lead,
    )
    # A finished board report (downloaded) and a failed one (its "Try again" form is walked).
    report = BoardReportFactory(assessment=y2018, done=True)
    BoardReportFactory(assessment=y2018, status="failed", error="Probe failure.")
    # The same for the year's evidence packs.
    pack = EvidencePackFactory(assessment=y2018, done=True)
    EvidencePackFactory(assessment=y2018, status="failed", error="Probe failure.")
    invitation_token = "malformed-input-probe-invitation"
    invitation = InvitationFactory(organisation=org, invited_by=admin, token=invitation_token)
    return World(
        organisation=org,
        users={
            "quality lead": lead,
            "admin": admin,
            "assessor": assessor_membership.user,
            "signed out": None,
        },
        newcomer=newcomer,
        values={
            "org_slug": org.slug,
            "membership_pk": str(assessor_membership.pk),
            "invitation_pk": str(invitation.pk),
            "year": "2018",
            "evidence_pk": str(evidence.pk),
            "version_pk": str(version.pk),
            "ref": element.ref,
            "link_pk": str(link.pk),
            "action_pk": str(action.pk),
            "report_pk": str(report.pk),
            "pack_pk": str(pack.pk),
            "uidb64": urlsafe_base64_encode(force_bytes(lead.pk)),
            "token": invitation_token,
            "token_pk": str(api_token.pk),  # the lead's personal API token
        },
        reset_token=default_token_generator.make_token(lead),
    )


def fill_new(route: Route, world: World) -> str:
    """A route whose only parameter is the organisation, in the newcomer's organisation."""
    slug = world.newcomer.memberships.get().organisation.slug
    return "/" + PARAMETER.sub(slug, route.route)


def fill(route: Route, world: World, **override: str) -> str:
    def value(match: re.Match) -> str:
        name = match["name"]
        if name in override:
            return override[name]
        if name == "token" and "uidb64" in route.route:
            return world.reset_token
        if name not in world.values:
            raise AssertionError(
                f"{route.name} ({route.route}) has the URL keyword {name!r}, which "
                "tests/test_malformed_input.py does not know: add a real value for it to the "
                "`world` fixture's values."
            )
        return world.values[name]

    return "/" + PARAMETER.sub(value, route.route)


# ---------------------------------------------------------------------------------------------
# Reading forms (and links with query parameters) out of a page.


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str  # a valid value (what the page offers)
    options: list[str] = field(default_factory=list)  # a select's or radio group's choices


@dataclass
class Form:
    method: str  # "get" or "post"
    action: str  # absolute path, with the action's query string
    multipart: bool = False
    htmx: bool = False
    fields: list[Field] = field(default_factory=list)

    def key(self) -> tuple:
        return (self.method, url_name(self.action), self.htmx, tuple(f.name for f in self.fields))


class FormParser(HTMLParser):
    """The forms of a page as the browser would send them, and the links' query strings."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.current: list[Form] = []  # the form being read, and its HTMX twins
        self.select: Field | None = None
        self.option_selected = False
        self.textarea: Field | None = None
        self.seen: set[str] = set()  # radio groups and the pressed button, per form

    def absolute(self, url: str) -> str | None:
        parts = urlsplit(urljoin(self.page_path, url or self.page_path))
        if parts.scheme or parts.netloc:
            return None  # another site
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.start_form(a)
        elif tag == "a" and "?" in a.get("href", ""):
            self.add_link(a["href"])
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options.append(value)
            if "selected" in a:
                self.select.value, self.option_selected = value, True
            elif not self.option_selected and not self.select.value and value:
                self.select.value = value  # the first real choice
        elif not self.current or not a.get("name") or "disabled" in a:
            return
        elif tag == "input":
            self.add_input(a)
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.add_button(a)
        elif tag == "select":
            self.select, self.option_selected = Field(a["name"], "select", ""), False
            self.add(self.select)
        elif tag == "textarea":
            self.textarea = Field(a["name"], "textarea", "")
            self.add(self.textarea)

    def start_form(self, a: dict[str, str]) -> None:
        method = (a.get("method") or "get").lower()
        multipart = a.get("enctype", "") == "multipart/form-data"
        self.current, self.seen = [], set()
        if action := self.absolute(a.get("action", "")):
            self.current.append(Form(method, action, multipart))
        for attr, hx_method in (("hx-get", "get"), ("hx-post", "post")):
            if a.get(attr) and (hx_action := self.absolute(a[attr])):
                self.current.append(Form(hx_method, hx_action, multipart, htmx=True))

    def add_link(self, href: str) -> None:
        url = self.absolute(href)
        if url and "?" in url:
            path, query = url.split("?", 1)
            pairs = parse_qsl(query, keep_blank_values=True)
            names = [k for k, _ in pairs]
            for form in self.forms:  # links that differ only in values: one form, choices
                if form.action == path and [f.name for f in form.fields] == names:
                    for f, (_, v) in zip(form.fields, pairs, strict=True):
                        f.options.append(v)
                    return
            if pairs:
                fields = [Field(k, "link", v, options=[v]) for k, v in pairs]
                self.forms.append(Form("get", path, fields=fields))

    def add_input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text").lower()
        name, value = a["name"], a.get("value", "")
        if kind in {"submit", "image"}:
            self.add_button(a)
        elif kind == "radio":
            if name not in self.seen:  # the checked one, else the first
                self.seen.add(name)
                self.add(Field(name, kind, value or "on"))
            for form in self.current[:1]:
                for f in form.fields:
                    if f.name == name:
                        f.options.append(value or "on")
                        if "checked" in a:
                            f.value = value or "on"
        elif kind == "checkbox":
            if "checked" in a:
                self.add(Field(name, kind, value or "on"))
        elif kind not in {"button", "reset"}:
            self.add(Field(name, kind, value))

    def add_button(self, a: dict[str, str]) -> None:
        if " button" not in self.seen:  # the first named submit button is the one pressed
            self.seen.add(" button")
            self.add(Field(a["name"], "button", a.get("value", "")))

    def add(self, f: Field) -> None:
        for form in self.current:
            form.fields.append(f)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.forms.extend(self.current)
            self.current = []


def read_forms(page_path: str, html: str) -> list[Form]:
    parser = FormParser(page_path)
    parser.feed(html)
    parser.close()
    return parser.forms


# A valid value for an empty field, by input type: the other fields stay valid.
VALID_DEFAULTS = {
    "email": "probe@example.test",
    "url": "https://example.org/probe",
    "date": "2018-06-30",
    "number": "1",
    "password": "Probe-password-2018!",
    "text": "Probe text",
    "search": "policy",
    "textarea": "Probe note",
    "tel": "01234 567890",
}


def valid_value(f: Field) -> str:
    return f.value or VALID_DEFAULTS.get(f.kind, "")


def values_by_field(form: Form) -> dict[str, list[str]]:
    """Which malformed values each field gets: the core ones, the numbers when the field holds
    a number, and a share of the others (so that the form meets every value once)."""
    names = [f.name for f in form.fields if f.kind != "button"]
    chosen = {}
    for f in form.fields:
        if f.kind != "button":
            numeric = f.kind == "number" or re.fullmatch(r"-?\d+", valid_value(f))
            chosen[f.name] = CORE + (NUMERIC if numeric else [])
    for i, value in enumerate(OTHERS):
        if names:
            chosen[names[i % len(names)]] = chosen[names[i % len(names)]] + [value]
    return {name: list(dict.fromkeys(values)) for name, values in chosen.items()}


# ---------------------------------------------------------------------------------------------
# Sending requests.


@dataclass
class Probe:
    client: object
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    def send(self, what: str, method: str, path: str, **kwargs) -> object:
        """One request in a savepoint rolled back afterwards; the client's cookies restored."""
        cookies = SimpleCookie()
        cookies.load(self.client.cookies.output(header="", sep=";"))
        self.sent += 1
        response = None
        with transaction.atomic():
            try:
                response = getattr(self.client, method)(path, **kwargs)
            except Exception as exc:  # a view that raised is a 500 for the visitor
                last = traceback.format_exception_only(exc)[-1].strip()
                self.failures.append(f"{what}: {method.upper()} {path[:200]} raised {last}")
            finally:
                transaction.set_rollback(True)
        self.client.cookies = cookies
        if response is not None and response.status_code >= 500:
            detail = ""
            if getattr(response, "exc_info", None):
                detail = " — " + traceback.format_exception_only(response.exc_info[1])[-1].strip()
            self.failures.append(
                f"{what}: {method.upper()} {path[:200]} answered {response.status_code}{detail}"
            )
        return response


def encode(pairs: list[tuple[str, bytes]]) -> str:
    return "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v)}" for k, v in pairs)


def submit(
    probe: Probe,
    form: Form,
    where: str,
    replaced: str | None,
    value: bytes,
    upload: tuple[str, bytes] | None = None,
) -> object | None:
    """Send the form with field ``replaced`` set to ``value`` (a file field: to the file
    ``upload``, name and bytes, when given) and the others valid; the response to a GET
    form."""
    pairs = [
        (f.name, value if f.name == replaced else valid_value(f).encode()) for f in form.fields
    ]
    label = f"{where}, field {replaced!r}" if replaced else where
    headers = {"HX-Request": "true"} if form.htmx else {}
    path, _, query = form.action.partition("?")
    if form.method == "get":
        return probe.send(label, "get", f"{path}?{encode(pairs)}", headers=headers)
    if form.multipart:
        data: dict[str, list] = {}
        for f, (name, raw) in zip(form.fields, pairs, strict=True):
            if f.kind == "file" and name == replaced and upload is not None:
                data.setdefault(name, []).append(SimpleUploadedFile(*upload))
            elif f.kind == "file" and name != replaced:
                probe_file = SimpleUploadedFile("probe.pdf", PDF + b"%probe", "application/pdf")
                data.setdefault(name, []).append(probe_file)
            else:
                data.setdefault(name, []).append(raw)
        target = f"{path}?{query}" if query else path
        for accept in ("text/html", "application/json"):
            fresh = {
                k: [SimpleUploadedFile(v.name, PDF + b"%probe", v.content_type)
                    if isinstance(v, SimpleUploadedFile) else v for v in vs]
                for k, vs in data.items()
            }  # fmt: skip
            probe.send(label, "post", target, data=fresh, headers={**headers, "Accept": accept})
    else:
        target = f"{path}?{query}" if query else path
        probe.send(
            label,
            "post",
            target,
            data=encode(pairs),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )


def is_html_page(response) -> bool:
    return (
        response is not None
        and response.status_code == 200
        and not response.streaming
        and "html" in response.get("Content-Type", "")
    )


# Forms already sent in this run (one page's forms are often on the next page too).
SENT_FORMS: set[tuple] = set()


def fuzz_form(probe: Probe, form: Form, page: str, depth: int = 0) -> None:
    name = url_name(form.action)
    if name is None or name.split(":")[0] in EXCLUDED_NAMESPACES or form.key() in SENT_FORMS:
        return
    SENT_FORMS.add(form.key())
    kind = "link" if form.fields and form.fields[0].kind == "link" else "form"
    where = f"{kind} on {page} to {form.method.upper()} {form.action}"
    answers = [submit(probe, form, where, None, b"")]  # as offered
    if form.method == "get" and depth < 2:
        # Each choice of a select or radio group may show other forms (the kind of item to
        # add, a search's results): follow the first few, and send the forms they show.
        for f in form.fields:
            for option in [o for o in f.options if o != f.value][:4]:
                answers.append(submit(probe, form, where, f.name, option.encode()))
        for answer in answers:
            if is_html_page(answer):
                path = answer.request["PATH_INFO"]
                for found in read_forms(path, answer.content.decode()):
                    fuzz_form(probe, found, f"{page} → {form.action}", depth + 1)
    for field_name, values in values_by_field(form).items():
        for name in values:
            submit(probe, form, f"{where}, value {name}", field_name, MALFORMED[name])
    for f in form.fields:
        if form.multipart and f.kind == "file":
            for name, upload in MALFORMED_FILES.items():
                submit(probe, form, f"{where}, file {name}", f.name, b"", upload)


# ---------------------------------------------------------------------------------------------
# The walk.


def test_the_walk_finds_every_kind_of_page():
    names = {route.name for route in ROUTES}
    assert {
        "home",
        "login",
        "standard:index",
        "standard:element",
        "org:year",
        "org:element",
        "org:evidence-list",
        "org:evidence-upload",
        "org:members",
        "invitations:accept",
        # Added since 3/8: the assessor's (5/8), progression, spreadsheets, board reports
        # (6/8), the API. New ones are walked as soon as they are in the URLconf.
        "assessor-home",
        "org:assessor-mark",
        "org:sample",
        "org:summaries",
        "org:progression",
        "org:progression-import",
        "org:progression-import-confirm",
        "org:progression-export-csv",
        "org:progression-export-xlsx",
        "org:board-reports",
        "org:board-report-new",
        "org:board-report-download",
        "org:api-years",
        "org:api-evidence-item",
        "api-schema",
    } <= names
    assert not [name for name in names if name.startswith("admin:")]


def test_the_form_reader_sends_what_a_browser_sends():
    html = """
    <form method="post" action="save/" hx-post="/x/" enctype="multipart/form-data">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="title" value="Policy"><input type="file" name="files">
      <select name="rating"><option value="">--</option><option value="C">C</option></select>
      <select name="owner"><option value="1">A</option><option value="2" selected>B</option>
      </select>
      <textarea name="note">Kept</textarea>
      <input type="checkbox" name="sampled"><input type="checkbox" name="keep" checked>
      <input type="radio" name="kind" value="file"><input type="radio" name="kind" value="link">
      <button type="submit" name="action" value="save">Save</button>
      <button type="submit" name="action" value="delete">Delete</button>
    </form>
    <a href="?page=2&amp;q=a">2</a><a href="?page=3&amp;q=a">3</a>
    <a href="https://example.org/?x=1">out</a>"""
    forms = read_forms("/o/acme/evidence/", html)
    plain, htmx, link = forms[0], forms[1], forms[2]
    values = {f.name: f.value for f in plain.fields}
    assert values == {
        "csrfmiddlewaretoken": "t",
        "title": "Policy",
        "files": "",
        "rating": "C",
        "owner": "2",
        "note": "Kept",
        "keep": "on",
        "kind": "file",
        "action": "save",
    }
    assert (plain.method, plain.action, plain.multipart) == ("post", "/o/acme/evidence/save/", True)
    assert (htmx.action, htmx.htmx, {f.name: f.value for f in htmx.fields}) == ("/x/", True, values)
    assert (link.action, [(f.name, f.value) for f in link.fields]) == (
        "/o/acme/evidence/",
        [("page", "2"), ("q", "a")],
    )
    assert link.fields[0].options == ["2", "3"]  # the walk follows each choice
    assert plain.fields[3].options == ["", "C"]
    assert len(forms) == 3


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_malformed_input_makes_a_500(client, world, route, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # each 404 and 400 is logged
    client.raise_request_exception = False
    probe = Probe(client)
    real = fill(route, world)

    # Each path parameter in turn, malformed (the others real): signed in as the lead.
    client.force_login(world.users["quality lead"])
    for converter, name in route.parameters:
        for value in PATH_VALUES.get(converter, PATH_VALUES["str"]):
            path = fill(route, world, **{name: value})
            for method in ("get", "post"):
                probe.send(f"path parameter {name}={value[:40]!r}", method, path)

    # The page with real ids as each role; its forms and links, each field malformed in turn.
    # The lead of a new organisation (no year yet) sees the forms of a first year too.
    visits = [(role, user, real) for role, user in world.users.items()]
    if [name for _, name in route.parameters] == ["org_slug"]:
        visits.append(("lead of a new organisation", world.newcomer, fill_new(route, world)))
    next_done = False
    for role, user, path in visits:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = probe.send(f"{route} as {role}", "get", path, follow=True)
        if not is_html_page(response):
            continue
        if not next_done:
            next_done = True
            for name in NEXT_VALUES:
                query = encode([("next", MALFORMED[name])])
                probe.send(f"{route} as {role}, next={name}", "get", f"{path}?{query}")
        final = response.request["PATH_INFO"]
        for form in read_forms(final, response.content.decode()):
            fuzz_form(probe, form, f"{route} as {role}")

    assert not probe.failures, (
        f"{len(probe.failures)} of {probe.sent} requests failed:\n" + "\n".join(probe.failures[:40])
    )


# ---------------------------------------------------------------------------------------------
# The middleware's answer, request by request.


@pytest.mark.parametrize(
    "path",
    [
        "/standard/?q=a%00b",
        "/standard/%00/",
        "/o/{org}/assessments/2018/elements/%00/",
        "/o/{org}/assessments/2018/elements/1.1.1/?q=%00",
        "/o/{org}/assessments/2018/elements/1.1.1/evidence/search/?q=policy%00",
        "/o/{org}/evidence/?q=%00",
        "/o/{org}/evidence/?q=%FF%FE",  # not UTF-8
        "/o/{org}/evidence/?%00=x",
    ],
)
def test_a_nul_byte_or_non_utf8_query_is_a_400_that_says_why(client, world, path):
    client.force_login(world.users["quality lead"])
    response = client.get(path.format(org=world.organisation.slug))
    assert response.status_code == 400
    page = response.content.decode()
    assert "That request could not be read" in page
    assert "NUL character" in page or "not UTF-8" in page
    assert world.users["quality lead"].email in page  # the page knows who is signed in
    assert response.headers.get("Content-Security-Policy")


def test_a_nul_byte_in_a_form_changes_nothing(client, world):
    from evidence.models import Evidence, EvidenceLink

    client.force_login(world.users["quality lead"])
    org = world.organisation.slug
    before = (Evidence.objects.count(), EvidenceLink.objects.count())
    link = client.post(
        f"/o/{org}/assessments/2018/elements/1.1.1/evidence/link/",
        {"evidence": world.values["evidence_pk"], "note": "Supports\x00 this"},
    )
    add = client.post(
        f"/o/{org}/evidence/new/",
        {"kind": "link", "title": "Policy\x00", "url": "https://example.org/"},
    )
    upload = client.post(
        f"/o/{org}/evidence/upload/",
        {
            "files": [SimpleUploadedFile("policy.pdf", PDF, "application/pdf")],
            "year": "2018",
            "ref": "1.1.1\x00",
        },
    )
    assert [link.status_code, add.status_code, upload.status_code] == [400, 400, 400]
    assert "NUL character" in upload.content.decode()
    assert (Evidence.objects.count(), EvidenceLink.objects.count()) == before


def test_a_forged_session_cookie_signs_the_visitor_out(client, world):
    client.cookies["sessionid"] = "\x00" * 40
    response = client.get(f"/o/{world.organisation.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_request_django_refuses_gets_the_same_page(client):
    """Django's own 400 (here: more form fields than it reads) renders the same template,
    without a request context."""
    client.raise_request_exception = False
    body = "&".join(f"field{i}=1" for i in range(1200))
    response = client.post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "That request could not be read" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Malformed spreadsheets at the browser import (reports.import_views): each gets a clear
# message on the import page (what is wrong and what to do), in bounded time and size, and
# nothing is written. The walk above sends a PDF to every file field; these are the files an
# import really meets.


def _zip(members: dict[str, bytes], declared: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    if declared is None:
        return data
    out = bytearray(data)  # every member's unpacked size claimed as ``declared``
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := out.find(signature, start)) != -1:
            out[at + offset : at + offset + 4] = declared.to_bytes(4, "little")
            start = at + 4
    return bytes(out)


def _workbook(*rows: list, formula_at: str = "", dimension: str = "") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Annex One"
    for row in rows:
        sheet.append(row)
    if formula_at:
        sheet[formula_at] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if dimension:  # the sheet claims a range it does not hold
        source = zipfile.ZipFile(io.BytesIO(data))
        members = {name: source.read(name) for name in source.namelist()}
        sheet_xml = members["xl/worksheets/sheet1.xml"]
        members["xl/worksheets/sheet1.xml"] = re.sub(
            rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), sheet_xml
        )
        data = _zip(members)
    return data


_XLSX_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
    "xl/workbook.xml": b"<workbook/>",
}
_XXE = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<workbook>&e;</workbook>"
)


def _spreadsheets() -> dict[str, tuple[str, bytes]]:
    """name → (file name, bytes). Built when the test runs (the bomb is 60 MB of zeros)."""
    header = b"ref,2017,2018\n"
    return {
        "random bytes as .xlsx": ("chart.xlsx", bytes(range(256)) * 40),
        "zip header then garbage": ("chart.xlsx", b"PK\x03\x04" + b"\x13" * 5000),
        "zip, not a workbook": ("chart.xlsx", _zip({"notes.txt": b"hello"})),
        "zip bomb xlsx": (
            "chart.xlsx",
            _zip({**_XLSX_PARTS, "xl/sharedStrings.xml": b"\x00" * (60 * 1024 * 1024)}),
        ),
        "xlsx claiming 4 GB": ("chart.xlsx", _zip(_XLSX_PARTS, declared=0xFFFFFFF0)),
        "xlsx understating its size": ("chart.xlsx", _zip(_XLSX_PARTS, declared=3)),
        "xlsx of 20,000 parts": (
            "chart.xlsx",
            _zip({**_XLSX_PARTS, **{f"xl/p{i}.xml": b"<x/>" for i in range(20_000)}}),
        ),
        "xlsx with an XML entity": ("chart.xlsx", _zip({**_XLSX_PARTS, "xl/workbook.xml": _XXE})),
        "xlsx with macros": ("chart.xlsm", _zip({**_XLSX_PARTS, "xl/vbaProject.bin": b"\x00"})),
        "truncated xlsx": ("chart.xlsx", _workbook(["ref", 2018], ["1.1.1", "C"])[:400]),
        "xlsx with a formula": ("chart.xlsx", _workbook(["ref", 2018], ["1.1.1"], formula_at="B2")),
        "xlsx of 16,384 columns claimed": (
            "chart.xlsx",
            _workbook(["ref", 2018], ["1.1.1", "C"], dimension="A1:XFD1048576"),
        ),
        "xlsx with a cell at XFD": (
            "chart.xlsx",
            _workbook(["ref", 2018], ["1.1.1", "C"] + [None] * 16381 + ["C"]),
        ),
        "xlsx of 3,000 rows": (
            "chart.xlsx",
            _workbook(["ref", 2018], *[[f"{i}.1.1", "C"] for i in range(3000)]),
        ),
        "empty file": ("chart.csv", b""),
        "only blank lines": ("chart.csv", b"\n\r\n \n"),
        "CSV with NUL": ("chart.csv", header + b"1.1.1,C\x00,X\n"),
        "CSV, Latin-1": ("chart.csv", header + "1.1.1,C,é\n".encode("latin-1")),
        "CSV, UTF-16 with BOM": ("chart.csv", (header + b"1.1.1,C,C\n").decode().encode("utf-16")),
        "CSV, UTF-32": ("chart.csv", (header + b"1.1.1,C,C\n").decode().encode("utf-32")),
        "CSV, two UTF-8 BOMs": ("chart.csv", b"\xef\xbb\xbf\xef\xbb\xbf" + header + b"1.1.1,C,C\n"),
        "CSV, BOM mid-file": ("chart.csv", header + b"\xef\xbb\xbf1.1.1,C,C\n"),
        "CSV, a 1.9 MB cell": ("chart.csv", header + b"1.1.1,C," + b"X" * 1_900_000 + b"\n"),
        "CSV, a 1.9 MB ref": ("chart.csv", header + b"9" * 1_900_000 + b",C,C\n"),
        "CSV, a 1.9 MB quoted field": ("chart.csv", header + b'1.1.1,"' + b"a\n" * 900_000),
        "CSV, formulas": (
            "chart.csv",
            header + b'1.1.1,=HYPERLINK("http://evil.example"),+1+1\n@SUM(A1),-2,=cmd|x\n',
        ),
        "CSV, 10^6 columns in the header": ("chart.csv", b"ref" + b",2018" * 300_000 + b"\n"),
        "CSV, 10^6 columns of junk years": ("chart.csv", b"ref" + b",x" * 1_000_000 + b"\n"),
        "CSV, 10^6 columns in a row": ("chart.csv", header + b"1.1.1" + b",C" * 1_000_000),
        "CSV, 10^6 empty columns": ("chart.csv", header + b"1.1.1" + b"," * 1_000_000 + b"\n"),
        "CSV, 200,000 rows": ("chart.csv", header + b"1.1.1,C,C\n" * 200_000),
        "CSV, 200,000 bad rows": ("chart.csv", header + b"x,Q,Q\n" * 200_000),
        "CSV, CR line ends": ("chart.csv", b"ref,2018\r1.1.1,C\r"),
        "CSV, unclosed quote": ("chart.csv", header + b'1.1.1,"C,C\n'),
        "CSV, bidi and control characters": (
            "chart.csv",
            header + "1.1.1\u202e,C\x1b[2J,C\u2066\n".encode(),
        ),
        "CSV, superscript years": ("chart.csv", "ref,²⁰¹⁸\n1.1.1,C\n".encode()),
        "CSV, year 10^20": ("chart.csv", b"ref,99999999999999999999\n1.1.1,C\n"),
        "PDF named .csv": ("chart.csv", PDF),
        "PNG named .xlsx": ("chart.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        "old Excel (.xls)": ("chart.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    }


SPREADSHEETS = [
    "random bytes as .xlsx", "zip header then garbage", "zip, not a workbook", "zip bomb xlsx",
    "xlsx claiming 4 GB", "xlsx understating its size", "xlsx of 20,000 parts",
    "xlsx with an XML entity",
    "xlsx with macros", "truncated xlsx", "xlsx with a formula", "xlsx of 16,384 columns claimed",
    "xlsx with a cell at XFD", "xlsx of 3,000 rows", "empty file", "only blank lines",
    "CSV with NUL", "CSV, Latin-1", "CSV, UTF-16 with BOM", "CSV, UTF-32", "CSV, two UTF-8 BOMs",
    "CSV, BOM mid-file", "CSV, a 1.9 MB cell", "CSV, a 1.9 MB ref", "CSV, a 1.9 MB quoted field",
    "CSV, formulas", "CSV, 10^6 columns in the header", "CSV, 10^6 columns of junk years",
    "CSV, 10^6 columns in a row", "CSV, 10^6 empty columns", "CSV, 200,000 rows",
    "CSV, 200,000 bad rows", "CSV, CR line ends", "CSV, unclosed quote",
    "CSV, bidi and control characters", "CSV, superscript years", "CSV, year 10^20",
    "PDF named .csv", "PNG named .xlsx", "old Excel (.xls)",
]  # fmt: skip

# The import page's answer stays readable: at most this many bytes, drawn in this many seconds.
IMPORT_PAGE_MAX_BYTES = 300_000
IMPORT_MAX_SECONDS = 10


@pytest.fixture(scope="module")
def spreadsheets() -> dict[str, tuple[str, bytes]]:
    return _spreadsheets()


def test_every_spreadsheet_case_is_listed(spreadsheets):
    assert sorted(SPREADSHEETS) == sorted(spreadsheets)


@pytest.mark.parametrize("case", SPREADSHEETS)
def test_a_malformed_spreadsheet_gets_a_clear_message_and_writes_nothing(
    client, seeded, lead, spreadsheets, case, caplog
):
    import time

    from assessments.models import ElementResult

    caplog.set_level(logging.CRITICAL, logger="django.request")
    client.raise_request_exception = False
    client.force_login(lead)
    org = seeded
    name, content = spreadsheets[case]
    before = list(
        ElementResult.objects.filter(assessment__organisation=org)
        .order_by("pk")
        .values_list("pk", "rating", "sampled")
    )
    started = time.monotonic()
    response = client.post(
        reverse("org:progression-import", args=[org.slug]),
        {"file": SimpleUploadedFile(name, content)},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, f"{case}: {response.status_code}"
    page = response.content.decode()
    assert len(response.content) <= IMPORT_PAGE_MAX_BYTES, f"{case}: {len(response.content)} B"
    assert elapsed < IMPORT_MAX_SECONDS, f"{case}: {elapsed:.1f} s"
    refused = re.search(r'id="import-refused">(.*?)</div>', page, re.S)
    errors = re.search(r'id="import-errors">(.*?)</table>', page, re.S)
    preview = 'name="plan"' in page
    assert refused or errors or preview, f"{case}: no message on the page"
    if refused:
        text = re.sub(r"<[^>]+>", " ", refused[1])
        what_to_do = r"\b(save|upload|export|choose|check|copy|remove|type)\b"
        assert re.search(what_to_do, text, re.I), f"{case}: {text}"
    if errors:
        assert "nothing was imported" in errors[1]
        assert errors[1].count("<tr>") <= 101, f"{case}: {errors[1].count('<tr>')} rows"
    for bad in ("\x00", "\x1b", "\u202e", "Traceback"):
        assert bad not in page, f"{case}: {bad!r} on the page"
    after = list(
        ElementResult.objects.filter(assessment__organisation=org)
        .order_by("pk")
        .values_list("pk", "rating", "sampled")
    )
    assert after == before, f"{case}: the upload itself wrote"


# ---------------------------------------------------------------------------------------------
# The API (/o/<org>/api/… and /api/schema/): JSON, so no forms to read. Every API URL is found
# from the resolver (its view is a DRF view); each is asked with a valid token, a session, no
# credentials and malformed Authorization headers, by every method, and with each query
# parameter its OpenAPI description declares (and the usual ones) malformed in turn.


def _is_api(route: Route) -> bool:
    from rest_framework.views import APIView

    view = get_resolver().resolve(PARAMETER.sub("1", "/" + route.route)).func
    return isinstance(getattr(view, "cls", None), type) and issubclass(view.cls, APIView)


API_ROUTES = [route for route in ROUTES if _is_api(route)]

# Header values as a server receives them: bytes, read as Latin-1 (what WSGI hands Django).
BAD_AUTHORIZATION = {
    "Token alone": b"Token",
    "three words": b"Token cse_a cse_b",
    "unknown token": b"Token cse_unknown0000000000000000000000000000",
    "not ASCII": b"Token cse_\xff\xfe\xc3(",
    "NUL": b"Token cse_\x00abc",
    "10 KB": b"Token " + b"x" * 10_000,
    "Bearer, control characters": b"Bearer \x1b[2J\x7f",
    "Basic": b"Basic dXNlcjpwYXNz",
    "empty": b"",
}
API_EXTRA_PARAMETERS = ["page", "page_size", "format", "ordering", "search", "limit", "offset"]


def _schema_parameters() -> dict[str, list[str]]:
    """The query parameters the OpenAPI description declares, by path template."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found: dict[str, list[str]] = {}
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    found.setdefault(path, []).append(parameter["name"])
    return found


def test_the_api_walk_finds_the_api():
    names = {route.name for route in API_ROUTES}
    assert {"org:api-years", "org:api-evidence", "org:api-action", "api-schema"} <= names
    assert "org:evidence-list" not in names


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_no_malformed_api_request_makes_a_500(client, world, route, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    client.raise_request_exception = False
    probe = Probe(client)
    path = fill(route, world)
    lead = world.users["quality lead"]
    token = create_token(lead, name="API walk", lifetime_days=7, acting_user=lead).secret
    valid = {"Authorization": f"Token {token}"}
    tenant = route.name.startswith("org:")

    # Who asks: a token, a session, nobody, and malformed Authorization headers.
    answer = probe.send(f"{route} with a token", "get", path, headers=valid)
    assert answer is None or answer.status_code == 200, f"{route}: {answer.status_code}"
    client.force_login(lead)
    probe.send(f"{route} by session", "get", path)
    client.logout()
    anonymous = probe.send(f"{route} with no credentials", "get", path)
    if tenant and anonymous is not None:
        assert anonymous.status_code in (401, 403), f"{route}: {anonymous.status_code}"
    for name, value in BAD_AUTHORIZATION.items():
        header = {"Authorization": value.decode("latin-1")}
        answer = probe.send(f"{route}, Authorization {name}", "get", path, headers=header)
        if tenant and value and answer is not None:
            assert answer.status_code in (401, 403), f"{route}, {name}: {answer.status_code}"

    # Every method, with a token: read-only, so 405 (or 200 for HEAD and OPTIONS).
    for method in ("head", "options", "post", "put", "patch", "delete"):
        probe.send(f"{route} {method.upper()}", method, path, headers=valid)

    # Each query parameter malformed in turn, with a token.
    template = "/" + PARAMETER.sub(lambda m: "{" + m["name"] + "}", route.route)
    names = _schema_parameters().get(template, []) + API_EXTRA_PARAMETERS
    for parameter in dict.fromkeys(names):
        for label, value in MALFORMED.items():
            query = encode([(parameter, value)])
            probe.send(f"{route}, {parameter}={label}", "get", f"{path}?{query}", headers=valid)

    assert not probe.failures, (
        f"{len(probe.failures)} of {probe.sent} requests failed:\n" + "\n".join(probe.failures[:40])
    )


# The parser itself, on any bytes: a table, UploadRefused or AnnexOneError (at most MAX_ERRORS
# faults, each quoting at most 40 characters of the file, none of them a control or bidi
# character) — never another exception.

_CSV_PIECES = st.sampled_from(
    ["ref", ",", "\n", "\r\n", '"', "2018", "2019", "1.1.1", "1.1.2", "X", " CP", "C", "PC",
     "NC", "=1+1", "\ufeff", "\x00", "\u202e", "\x1b", "é", "²⁰¹⁸", "9" * 30, " "]
)  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.lists(_CSV_PIECES, max_size=200).map(lambda parts: "".join(parts).encode()),
        st.lists(_CSV_PIECES, max_size=200).map(
            lambda parts: "".join(parts).encode("utf-16", "surrogatepass")
        ),
    )
)
def test_any_bytes_read_as_an_annex_one_give_a_table_or_a_clear_refusal(data):
    from reports.annex_one import MAX_ERRORS, AnnexOneError, AnnexOneTable
    from reports.spreadsheets import UploadRefused, read_annex_one

    try:
        table = read_annex_one(data, {"1.1.1", "1.1.2"})
    except UploadRefused as refused:
        assert 20 < len(str(refused)) < 600
    except AnnexOneError as error:
        assert 1 <= len(error.errors) <= MAX_ERRORS
        for fault in error.errors:
            assert len(fault.message) < 400, fault.message
            assert not any(ch in fault.message for ch in "\x00\x1b\u202e"), fault.message
    else:
        assert isinstance(table, AnnexOneTable)
        assert set(table.rows) <= {"1.1.1", "1.1.2"}
