"""Improvement actions: /o/<org>/actions/… (names in the "org" namespace).

Thin views: parse the request, check the role (``@require``), look the action up through the
organisation (another tenant's id is a 404), call actions.services or actions.queries,
render. Who may move an action to which status is decided by the service (the owner may, so
the view only asks that the member may read).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from actions import queries, rules, services
from actions.forms import ActionFilterForm, ActionForm, EvidenceChoiceForm, StatusForm
from actions.models import Action
from assessments.models import Assessment, ElementResult
from cse_portal.web import first_form_error, get_for_org, redirect_to
from evidence.models import Evidence
from evidence.queries import members as members_of
from organisations.decorators import require
from organisations.permissions import Action as Permission
from organisations.permissions import can


def _detail_url(org, action: Action) -> str:
    return reverse("org:action-detail", args=[org.slug, action.pk])


def _element_url(org, year: int, ref: str) -> str:
    return reverse("org:element", args=[org.slug, year, ref])


# --- the list --------------------------------------------------------------------------------


@require(Permission.VIEW)
@require_safe
def action_list(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form = ActionFilterForm(
        request.GET or None,
        members=members_of(org),
        criteria=queries.criteria_of(org),
        years=queries.years_of(org),
    )
    filters = form.filters()
    today = timezone.localdate()
    page = queries.page_of(queries.action_list(org, filters, today), request.GET.get("page"))
    return render(
        request,
        "actions/list.html",
        {"form": form, "filters": filters, "page": page, "actions": list(page), "today": today},
    )


# --- one action ------------------------------------------------------------------------------


def _detail(request: HttpRequest, action: Action, status: int = 200, **extra) -> HttpResponse:
    org = request.organisation
    may_edit = can(request.membership, Permission.EDIT_ACTIONS)
    context = {
        "action": action,
        "today": timezone.localdate(),
        "element_url": _element_url(org, action.raised_in.year, action.element.ref),
        "may_edit": may_edit,
        "status_choices": _status_choices(request, action),
        "history": queries.history_of(action),
        "evidence_form": (
            EvidenceChoiceForm(choices=queries.linkable_evidence(org, action)) if may_edit else None
        ),
        **extra,
    }
    return render(request, "actions/detail.html", context, status=status)


def _status_choices(request: HttpRequest, action: Action) -> list[tuple[str, str]]:
    """The statuses this member may move the action to (the current one first): the form
    offers only those; the service decides again."""
    role = request.membership.role
    is_owner = action.owner_id == request.user.pk
    return [
        (value, label)
        for value, label in Action.Status.choices
        if value == action.status
        or not rules.status_error(action.status, value, role=role, is_owner=is_owner)
    ]


@require(Permission.VIEW)
@require_safe
def action_detail(request: HttpRequest, action_pk: int) -> HttpResponse:
    return _detail(request, queries.action_page(request.organisation, action_pk))


@require(Permission.VIEW)
@require_POST
def action_status(request: HttpRequest, action_pk: int) -> HttpResponse:
    """Move the action to another status, if this member may (403 with the reason if not)."""
    org = request.organisation
    action = queries.action_page(org, action_pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _detail(request, action, status=400, status_error=first_form_error(form))
    try:
        changed = services.change_status(
            action, form.cleaned_data["status"], acting_user=request.user
        )
    except services.StatusRefused as refused:
        return _detail(request, action, status=403, status_error=str(refused))
    except services.ActionRemoved as removed:
        messages.error(request, str(removed))
        return redirect("org:action-list", org.slug)
    if changed:
        messages.success(request, f"The action is now “{action.get_status_display()}”.")
    return redirect_to(_detail_url(org, action))


@require(Permission.RAISE_ACTION)
def action_add(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """Raise an action on the element ``ref`` of ``year``: GET shows the form (the due date
    defaulting to the PC remedy deadline), POST raises it and opens its page."""
    org = request.organisation
    assessment = get_for_org(Assessment, org, year=year)
    result = (
        ElementResult.objects.filter(assessment=assessment, element__ref=ref)
        .select_related("element")
        .first()
    )
    if result is None:
        raise Http404("No such element in this year")
    element = result.element
    context = {
        "assessment": assessment,
        "element": element,
        "result": result,
        "element_url": _element_url(org, year, ref),
        "refused": rules.raise_error(assessment),
    }
    if context["refused"]:
        return render(request, "actions/add.html", context, status=403)
    form_kwargs = {"members": members_of(org)}
    if request.method != "POST":
        today = timezone.localdate()
        form = ActionForm(
            initial={"due_date": rules.default_due_date(assessment, today)}, **form_kwargs
        )
        return render(request, "actions/add.html", {**context, "form": form})
    form = ActionForm(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            action = services.raise_action(
                assessment, element, acting_user=request.user, **form.details()
            )
        except services.RaiseRefused as refused:
            return render(
                request, "actions/add.html", {**context, "refused": str(refused)}, status=403
            )
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, f"The improvement action on {ref} was raised.")
            return redirect_to(_detail_url(org, action))
    messages.error(request, "Nothing was saved yet: please correct the form below.")
    return render(request, "actions/add.html", {**context, "form": form}, status=400)


@require(Permission.EDIT_ACTIONS)
def action_edit(request: HttpRequest, action_pk: int) -> HttpResponse:
    org = request.organisation
    action = queries.action_page(org, action_pk)
    form_kwargs = {"members": members_of(org), "current_owner": action.owner}
    context = {
        "action": action,
        "element_url": _element_url(org, action.raised_in.year, action.element.ref),
    }
    if request.method != "POST":
        initial = {
            "description": action.description,
            "owner": action.owner_id,
            "due_date": action.due_date,
        }
        form = ActionForm(initial=initial, **form_kwargs)
        return render(request, "actions/edit.html", {**context, "form": form})
    form = ActionForm(request.POST, **form_kwargs)
    if form.is_valid():
        details = form.details()
        if details["owner"] == action.owner:
            # Unchanged: keeps an owner who has since left rather than refusing the edit.
            del details["owner"]
        try:
            services.update_action(action, acting_user=request.user, **details)
        except services.ActionRemoved as removed:
            messages.error(request, str(removed))
            return redirect("org:action-list", org.slug)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, "The action was saved.")
            return redirect_to(_detail_url(org, action))
    messages.error(request, "Nothing was saved yet: please correct the form below.")
    return render(request, "actions/edit.html", {**context, "form": form}, status=400)


@require(Permission.EDIT_ACTIONS)
@require_POST
def action_evidence(request: HttpRequest, action_pk: int) -> HttpResponse:
    """Link an item of the library to the action."""
    org = request.organisation
    action = queries.action_page(org, action_pk)
    form = EvidenceChoiceForm(request.POST, choices=queries.linkable_evidence(org, action))
    if not form.is_valid():
        return _detail(request, action, status=400, evidence_error=first_form_error(form))
    item = get_for_org(Evidence, org, pk=form.cleaned_data["evidence"])
    try:
        services.link_evidence(action, item, acting_user=request.user)
    except services.ActionRemoved as removed:
        messages.error(request, str(removed))
        return redirect("org:action-list", org.slug)
    messages.success(request, f"“{item.title}” now supports this action.")
    return redirect_to(_detail_url(org, action), "evidence")


@require(Permission.EDIT_ACTIONS)
@require_POST
def action_evidence_unlink(request: HttpRequest, action_pk: int, evidence_pk: int) -> HttpResponse:
    """Remove an item from the action's evidence (it stays in the library)."""
    org = request.organisation
    action = queries.action_page(org, action_pk)
    item = get_for_org(Evidence, org, pk=evidence_pk)
    try:
        removed = services.unlink_evidence(action, item, acting_user=request.user)
    except services.ActionRemoved as gone:
        messages.error(request, str(gone))
        return redirect("org:action-list", org.slug)
    if removed:
        messages.success(request, f"“{item.title}” no longer supports this action.")
    else:
        messages.info(request, f"“{item.title}” was not linked to this action.")
    return redirect_to(_detail_url(org, action), "evidence")
