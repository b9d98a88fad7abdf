"""The evidence library: /o/<org>/evidence/… (names in the "org" namespace).

Thin views: parse the request, check the role (``@require``), look the item up through the
organisation (another tenant's id is a 404), call evidence.services or evidence.queries,
render. Files are only ever sent by the two download views, as attachments.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Assessment
from assessments.services import YearLocked
from cse_portal.web import (
    file_download,
    first_form_error,
    get_for_org,
    redirect_to,
    safe_next,
    wants_json,
)
from evidence import filetypes, queries, services
from evidence.forms import (
    LibraryFilterForm,
    ReplaceFileForm,
    UploadForm,
    details_form_class,
    initial_details,
)
from evidence.models import Evidence
from organisations.decorators import require
from organisations.page_cache import cached_page
from organisations.permissions import Action, can

logger = logging.getLogger(__name__)

JSON_STATUS = {
    services.UploadResult.CREATED: 201,
    services.UploadResult.DUPLICATE: 409,
    services.UploadResult.REFUSED: 400,
}
ONE_FILE_PER_REQUEST = (
    "Nothing was uploaded: send one file a request to get its answer, or post the form "
    "without asking for JSON to upload several at once."
)


def _detail_url(org, item: Evidence) -> str:
    return reverse("org:evidence-detail", args=[org.slug, item.pk])


def _get_item(request: HttpRequest, evidence_pk: int, **conditions) -> Evidence:
    return get_for_org(
        Evidence.objects.select_related("owner"),
        request.organisation,
        pk=evidence_pk,
        **conditions,
    )


# --- the library -----------------------------------------------------------------------------


@require(Action.VIEW)
@cached_page
@require_safe
def evidence_list(request: HttpRequest) -> HttpResponse:
    """The library: every item, with its links in the chosen year (the current year unless
    another or all years are chosen)."""
    org = request.organisation
    years = queries.library_years(org)
    form = LibraryFilterForm(
        request.GET or None, members=queries.member_names(org), years=[y.year for y in years]
    )
    filters = form.filters()
    page = queries.library_page(org, filters, request.GET.get("page"), years)
    shown_year = next((y for y in years if y.year == filters.year), None)
    # Only a member who may re-confirm links is offered to, with their number.
    if shown_year is not None and can(request.membership, Action.EDIT_EVIDENCE):
        shown_year = queries.with_links_to_reconfirm(org, shown_year)
    return render(
        request,
        "evidence/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "items": list(page.object_list),
            "years": years,
            "shown_year": shown_year,
            "current_year": form.current_year,
        },
    )


def _library_url(org, year: int) -> str:
    return f"{reverse('org:evidence-list', args=[org.slug])}?year={year}"


@require(Action.EDIT_EVIDENCE)
def evidence_reconfirm(request: HttpRequest, year: int) -> HttpResponse:
    """GET lists the year's carried-forward links not yet re-confirmed and asks; POST
    re-confirms them all and returns to the library's view of the year."""
    org = request.organisation
    assessment = get_for_org(Assessment, org, year=year)
    if request.method != "POST":
        return render(
            request,
            "evidence/reconfirm.html",
            {
                "assessment": assessment,
                "links": queries.reconfirmation(assessment),
                "library_url": _library_url(org, year),
            },
        )
    try:
        count = services.reconfirm_carried_forward(assessment, acting_user=request.user)
    except YearLocked as locked:
        messages.error(request, str(locked))
    else:
        if count:
            links = f"{count} carried-forward link{'s' * (count != 1)}"
            messages.success(request, f"Re-confirmed the {links} of {year}.")
        else:
            messages.info(
                request, f"Every carried-forward link of {year} was re-confirmed already."
            )
    return redirect_to(_library_url(org, year))


@require(Action.VIEW)
@require_safe
def evidence_detail(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    item = queries.item(request.organisation, evidence_pk)
    return render(
        request,
        "evidence/detail.html",
        {
            "item": item,
            "type_label": queries.type_label(item.content_type),
            "versions": [
                (version, queries.type_label(version.content_type))
                for version in item.versions.all()
            ],
            "links": list(item.links.all()),
        },
    )


# --- adding ----------------------------------------------------------------------------------

ADD_KINDS = [
    (Evidence.Kind.FILE, "Files"),
    (Evidence.Kind.LINK, "A web link"),
    (Evidence.Kind.NOTE, "A written note"),
]


@require(Action.EDIT_EVIDENCE)
def evidence_add(request: HttpRequest) -> HttpResponse:
    """One page, three ways to add: files (the uploader posts to evidence-upload), a web
    link or a written note (posted here, with ``kind``)."""
    org = request.organisation
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("kind")
    if kind not in (Evidence.Kind.LINK, Evidence.Kind.NOTE):
        kind = Evidence.Kind.FILE
    form = None
    if kind != Evidence.Kind.FILE:
        form_class = details_form_class(kind)
        members = queries.members(org)
        if request.method == "POST":
            form = form_class(request.POST, members=members)
            if form.is_valid():
                details = form.details()
                content = details.pop("url" if kind == Evidence.Kind.LINK else "body")
                add = services.add_link if kind == Evidence.Kind.LINK else services.add_note
                try:
                    item = add(org, content, acting_user=request.user, **details)
                except ValidationError as error:
                    form.apply_errors(error)
                else:
                    messages.success(request, f"“{item.title}” was added to the library.")
                    return redirect(_detail_url(org, item))
            messages.error(request, "Nothing was saved yet: please correct the form below.")
        else:
            form = form_class(members=members, initial={"owner": request.user.pk})
    return render(
        request,
        "evidence/add.html",
        {
            "kind": kind,
            "kinds": ADD_KINDS,
            "form": form,
            "upload_rules": queries.upload_rules(),
            "next": reverse("org:evidence-list", args=[org.slug]),
        },
    )


def _upload_json(org, result: services.UploadResult) -> JsonResponse:
    """The answer the uploader's script (static/js/evidence-upload.js) shows for its file."""
    answer = {"status": result.status, "message": result.message}
    if result.status == services.UploadResult.CREATED:
        item = result.item
        answer.update(id=item.pk, title=item.title, url=_detail_url(org, item))
    elif result.status == services.UploadResult.DUPLICATE:
        existing = result.item
        answer["existing"] = {
            "id": existing.pk,
            "title": existing.title,
            "url": _detail_url(org, existing),
        }
    return JsonResponse(answer, status=JSON_STATUS[result.status])


def _message_for(request: HttpRequest, org, result: services.UploadResult) -> None:
    """One message per file of a plain post; a link to the new or the existing item."""
    if result.status == services.UploadResult.REFUSED:
        messages.error(request, result.message)
        return
    text = format_html(
        '{} <a href="{}">Open “{}”</a>.',
        result.message,
        _detail_url(org, result.item),
        result.item.title,
    )
    if result.status == services.UploadResult.DUPLICATE:
        messages.warning(request, text)
    else:
        messages.success(request, text)


@require(Action.EDIT_EVIDENCE)
@require_POST
def evidence_upload(request: HttpRequest) -> HttpResponse:
    """Files in ``files``: the uploader's script sends one file a request and gets JSON for
    it; a plain form post gets one message per file and a redirect to ``next``."""
    org = request.organisation
    files = request.FILES.getlist("files")
    form = UploadForm(request.POST)
    as_json = wants_json(request)
    if not form.is_valid():
        refused = f"Nothing was uploaded. {first_form_error(form)}"
        results = [services.UploadResult(services.UploadResult.REFUSED, refused)]
    elif as_json and len(files) > 1:
        results = [services.UploadResult(services.UploadResult.REFUSED, ONE_FILE_PER_REQUEST)]
    else:
        data = form.cleaned_data
        results = services.add_uploaded_files(
            org,
            files,
            acting_user=request.user,
            year=data["year"],
            ref=data["ref"],
            **form.dates(),
        )
    if as_json:
        return _upload_json(org, results[0])
    for result in results:
        _message_for(request, org, result)
    return redirect_to(safe_next(request, reverse("org:evidence-list", args=[org.slug])))


# --- changing --------------------------------------------------------------------------------


@require(Action.EDIT_EVIDENCE)
def evidence_edit(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    org = request.organisation
    item = _get_item(request, evidence_pk)
    title = item.title  # the heading keeps the saved title while the form shows the typed one
    form_class = details_form_class(item.kind)
    form_kwargs = {"members": queries.members(org), "current_owner": item.owner}
    if request.method != "POST":
        form = form_class(initial=initial_details(item), **form_kwargs)
        return render(request, "evidence/edit.html", {"item": item, "title": title, "form": form})
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        details = form.details()
        if details["owner"] == item.owner:
            # Unchanged: keeps an owner who has since left rather than refusing the edit.
            del details["owner"]
        try:
            services.update_details(item, acting_user=request.user, **details)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, f"“{item.title}” was saved.")
            return redirect(_detail_url(org, item))
    messages.error(request, "Nothing was saved yet: please correct the form below.")
    return render(request, "evidence/edit.html", {"item": item, "title": title, "form": form})


@require(Action.EDIT_EVIDENCE)
def evidence_replace(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    """A new file for a file item; the current one is kept as an earlier version."""
    org = request.organisation
    item = _get_item(request, evidence_pk, kind=Evidence.Kind.FILE)
    duplicate = None
    if request.method != "POST":
        form = ReplaceFileForm()
    else:
        form = ReplaceFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                checked = services.check_upload(form.cleaned_data["file"])
                services.replace_file(item, checked, acting_user=request.user)
            except services.UploadRejected as refused:
                form.add_error("file", str(refused))
            except services.DuplicateFile as error:
                form.add_error("file", str(error))
                duplicate = error.existing
            else:
                messages.success(
                    request,
                    f"The file of “{item.title}” was replaced by “{checked.name}”; the "
                    "earlier file is kept under Earlier versions.",
                )
                return redirect(_detail_url(org, item))
    return render(
        request,
        "evidence/replace.html",
        {
            "item": item,
            "type_label": queries.type_label(item.content_type),
            "form": form,
            "duplicate": duplicate,
            "upload_rules": queries.upload_rules(),
        },
    )


@require(Action.EDIT_EVIDENCE)
def evidence_delete(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    """GET says what deleting would do and asks; POST deletes the item, its links and its
    files, unless a finalised year keeps it (then the page explains, and offers to withdraw
    it from the open years)."""
    org = request.organisation
    item = _get_item(request, evidence_pk)
    if request.method != "POST":
        plan = queries.deletion(item)
        return render(request, "evidence/delete.html", {"item": item, "plan": plan})
    title = item.title
    try:
        link_count = services.delete_evidence(item, acting_user=request.user)
    except services.InFinalisedYear as kept:
        messages.error(request, str(kept))
        return redirect("org:evidence-delete", org_slug=org.slug, evidence_pk=item.pk)
    links = (
        f", with its {link_count} link{'s' * (link_count != 1)} to elements" if link_count else ""
    )
    messages.success(request, f"“{title}” was deleted{links}.")
    return redirect("org:evidence-list", org_slug=org.slug)


@require(Action.EDIT_EVIDENCE)
@require_POST
def evidence_withdraw(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    """Remove the item from every open year; finalised years and the library keep it."""
    org = request.organisation
    item = _get_item(request, evidence_pk)
    withdrawal = services.withdraw_from_open_years(item, acting_user=request.user)
    kept = withdrawal.kept_years
    kept_text = (
        f" {services.years_text(kept)} {'keeps' if len(kept) == 1 else 'keep'} it, as "
        f"{'a finalised year' if len(kept) == 1 else 'finalised years'}."
        if kept
        else ""
    )
    if withdrawal.links:
        messages.success(
            request,
            f"“{item.title}” was withdrawn from {services.years_text(withdrawal.years)} "
            f"({withdrawal.links} link{'s' * (withdrawal.links != 1)} removed); it stays in "
            f"the library.{kept_text}",
        )
    else:
        messages.info(request, f"“{item.title}” had no links in open years.{kept_text}")
    return redirect(_detail_url(org, item))


# --- downloads -------------------------------------------------------------------------------

# Extensions a download may keep for each sniffed type; any other name gets the first one
# appended, so a PDF called "minutes.html" is saved as "minutes.html.pdf", never opened as HTML.
EXTENSIONS = {
    filetypes.PDF.content_type: (".pdf",),
    filetypes.PNG.content_type: (".png",),
    filetypes.JPEG.content_type: (".jpg", ".jpeg", ".jpe", ".jfif"),
    filetypes.GIF.content_type: (".gif",),
    filetypes.WEBP.content_type: (".webp",),
    filetypes.TIFF.content_type: (".tif", ".tiff"),
    filetypes.BMP.content_type: (".bmp", ".dib"),
    filetypes.DOCX.content_type: (".docx", ".docm", ".dotx", ".dotm"),
    filetypes.XLSX.content_type: (".xlsx", ".xlsm", ".xltx", ".xltm"),
    filetypes.PPTX.content_type: (".pptx", ".pptm", ".ppsx", ".potx"),
    filetypes.OLE2.content_type: (".doc", ".dot", ".xls", ".xlt", ".ppt", ".pps", ".msg"),
    filetypes.EMAIL.content_type: (".eml",),
    filetypes.CSV.content_type: (".csv", ".tsv", ".txt"),
    filetypes.TEXT.content_type: (".txt", ".text", ".csv", ".tsv", ".md", ".log"),
}
EXTENSIONS.update(
    {
        f"application/vnd.oasis.opendocument.{kind}": (extension,)
        for kind, extension in [
            ("text", ".odt"),
            ("text-template", ".ott"),
            ("text-master", ".odm"),
            ("spreadsheet", ".ods"),
            ("spreadsheet-template", ".ots"),
            ("presentation", ".odp"),
            ("presentation-template", ".otp"),
            ("graphics", ".odg"),
            ("graphics-template", ".otg"),
            ("chart", ".odc"),
            ("formula", ".odf"),
            ("image", ".odi"),
        ]
    }
)
OCTET_STREAM = "application/octet-stream"
MAX_NAME_BYTES = 255


def download_type(content_type: str) -> str:
    """The stored type when it is one the sniffer gives, else application/octet-stream: a row
    stored with anything else (a newline, "…,text/html") is still downloadable, as bytes."""
    return content_type if content_type in filetypes.KNOWN_TYPES else OCTET_STREAM


def download_name(name: str, content_type: str) -> str:
    """A filename safe to send: no folders, quotes or control characters, and an extension
    that matches the content (".bin" for a type that is not known)."""
    name = services.display_filename(name or "evidence")
    allowed = EXTENSIONS.get(content_type, (".bin",))
    extension = ""
    if not name.lower().endswith(allowed):
        extension = allowed[0]
    # At most 255 bytes in UTF-8, as file systems allow: the stem is cut, never the extension.
    room = MAX_NAME_BYTES - len(extension.encode())
    if len(name.encode()) > room:
        stem, dot, kept = name.rpartition(".")
        if not dot or extension or len(kept) > 10:
            stem, kept = name, ""
        else:
            kept = "." + kept
        stem = stem.encode()[: room - len(kept.encode())].decode("utf-8", "ignore").rstrip(" .")
        name = (stem or "evidence") + kept
    return name + extension


def _attachment(field_file, name: str, content_type: str) -> FileResponse:
    content_type = download_type(content_type)
    return file_download(
        field_file,
        filename=download_name(name, content_type),
        content_type=content_type,
        missing="The file is missing from storage.",
    )


@require(Action.DOWNLOAD_EVIDENCE)
@require_safe
def evidence_download(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    item = get_for_org(Evidence, request.organisation, pk=evidence_pk, kind=Evidence.Kind.FILE)
    if not item.file:
        raise Http404("This item has no file.")
    return _attachment(item.file, item.original_filename, item.content_type)


@require(Action.DOWNLOAD_EVIDENCE)
@require_safe
def evidence_version_download(request: HttpRequest, evidence_pk: int, version_pk: int):
    item = get_for_org(Evidence, request.organisation, pk=evidence_pk)
    version = get_object_or_404(item.versions, pk=version_pk)  # through the item
    return _attachment(version.file, version.original_filename, version.content_type)
