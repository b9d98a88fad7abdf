from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cse_portal.web import get_for_org
from organisations import services
from organisations.decorators import require
from organisations.forms import AcceptInvitationForm, EndDateForm, InviteForm, RoleForm
from organisations.models import Invitation, Membership, Role, role_phrase
from organisations.permissions import Action
from organisations.tenancy import tenant

# --- members (admins only) -----------------------------------------------------------------


def _members_page(request: HttpRequest, invite_form: InviteForm) -> HttpResponse:
    org = request.organisation
    return render(
        request,
        "organisations/members.html",
        {
            "members": list(services.members_of(org)),
            "invitations": list(services.pending_invitations_of(org)),
            "invite_form": invite_form,
            "roles": Role.choices,
        },
    )


@require(Action.MANAGE_MEMBERS)
def members(request: HttpRequest) -> HttpResponse:
    """The list of members and pending invitations; POST invites someone."""
    org = request.organisation
    if request.method != "POST":
        return _members_page(request, InviteForm(organisation=org))
    form = InviteForm(request.POST, organisation=org)
    if form.is_valid():
        try:
            invitation = services.invite(
                org,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                acting_user=request.user,
                # The link names the host and port this page was served on.
                base_url=request.build_absolute_uri("/"),
            )
        except services.OrganisationError as error:
            form.add_error("email", str(error))
        else:
            _report_delivery(request, invitation)
            return redirect("org:members", org_slug=org.slug)
    messages.error(request, "The invitation was not sent: please correct the form below.")
    return _members_page(request, form)


def _report_delivery(request: HttpRequest, invitation: Invitation) -> None:
    """Say whether the invitation email went: never "sent" when it was not."""
    who = f"{invitation.email} as {role_phrase(invitation.role)}"
    replaced = " It replaces the earlier invitation." if invitation.replaced else ""
    if invitation.delivery.sent:
        messages.success(request, f"Invitation sent to {who}.{replaced}")
    elif invitation.delivery.sent is False:
        messages.error(
            request,
            f"The invitation to {who} is saved, but its email could not be sent "
            f"({invitation.delivery.error}). Check the mail settings or ask whoever runs the "
            f"portal, then invite the same address again to send a new link.{replaced}",
        )
    else:  # only inside a caller's transaction: the email goes when it commits
        messages.info(
            request,
            f"Invitation to {who} saved: its email goes once the change is saved.{replaced}",
        )


def _membership(request: HttpRequest, membership_pk: int) -> Membership:
    return get_for_org(
        Membership.objects.select_related("user"), request.organisation, pk=membership_pk
    )


@require(Action.MANAGE_MEMBERS)
def member_role(request: HttpRequest, membership_pk: int) -> HttpResponse:
    """Change one member's role (the members table posts here; GET shows the form alone)."""
    org = request.organisation
    membership = _membership(request, membership_pk)
    if request.method != "POST":
        form = RoleForm(initial={"role": membership.role})
        return render(
            request, "organisations/member_role.html", {"form": form, "member": membership}
        )
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            membership = services.change_role(
                membership, form.cleaned_data["role"], acting_user=request.user
            )
        except services.OrganisationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"{membership.user.email} is now {role_phrase(membership.role)}.",
            )
            if membership.user_id == request.user.pk and membership.role != Role.ADMIN:
                # They can no longer manage members: the members page would be a 403.
                return redirect("org:dashboard", org_slug=org.slug)
        return redirect("org:members", org_slug=org.slug)
    messages.error(request, "Please choose one of the roles listed.")
    return render(request, "organisations/member_role.html", {"form": form, "member": membership})


def _end_date_page(request: HttpRequest, form: EndDateForm, membership: Membership) -> HttpResponse:
    return render(
        request, "organisations/member_end_date.html", {"form": form, "member": membership}
    )


def _end_date_message(membership: Membership) -> str:
    email = membership.user.email
    if membership.ends_on is None:
        return f"{email}'s membership has no end date."
    day = f"{membership.ends_on:%-d %B %Y}"
    if membership.is_current():
        return f"{email} has access until {day} (the membership lapses the day after)."
    return (
        f"{email}'s membership lapsed on {day}: they can no longer open anything of "
        f"{membership.organisation.name}."
    )


@require(Action.MANAGE_MEMBERS)
def member_end_date(request: HttpRequest, membership_pk: int) -> HttpResponse:
    """Set or clear a member's last day (GET shows the form)."""
    org = request.organisation
    membership = _membership(request, membership_pk)
    if request.method != "POST":
        return _end_date_page(
            request, EndDateForm(initial={"ends_on": membership.ends_on}), membership
        )
    form = EndDateForm(request.POST)
    if form.is_valid():
        try:
            membership = services.set_end_date(
                membership, form.cleaned_data["ends_on"], acting_user=request.user
            )
        except services.OrganisationError as error:
            form.add_error("ends_on", str(error))  # shown beside what was typed, kept
        else:
            messages.success(request, _end_date_message(membership))
            if membership.user_id == request.user.pk and not membership.is_current():
                # Their own membership lapsed: nothing of the organisation opens for them now.
                return redirect("home")
            return redirect("org:members", org_slug=org.slug)
    messages.error(request, "The end date was not changed: please correct the form below.")
    return _end_date_page(request, form, membership)


@require(Action.MANAGE_MEMBERS)
def member_remove(request: HttpRequest, membership_pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes the member."""
    org = request.organisation
    membership = _membership(request, membership_pk)
    if request.method != "POST":
        return render(request, "organisations/member_remove.html", {"member": membership})
    try:
        services.remove_member(membership, acting_user=request.user)
    except services.OrganisationError as error:
        messages.error(request, str(error))
        return redirect("org:members", org_slug=org.slug)
    if membership.user_id == request.user.pk:
        messages.success(request, f"You have left {org.name}.")
        return redirect("home")
    messages.success(request, f"{membership.user.email} was removed from {org.name}.")
    return redirect("org:members", org_slug=org.slug)


@require(Action.MANAGE_MEMBERS)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    org = request.organisation
    invitation = get_for_org(Invitation, org, pk=invitation_pk)
    if services.revoke_invitation(invitation, acting_user=request.user):
        messages.success(
            request, f"The invitation to {invitation.email} was revoked: its link no longer works."
        )
    else:
        messages.info(
            request, f"The invitation to {invitation.email} was already used, revoked or expired."
        )
    return redirect("org:members", org_slug=org.slug)


# --- invitation links (/invitations/<token>/) ----------------------------------------------


def _unusable(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "invitations/unusable.html", status=status)


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Where the emailed one-time link leads: join, sign in first, or create an account. The
    link names its organisation, whose context (tenancy.tenant) the rest runs in."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return _unusable(request, 404)
    with tenant(invitation.organisation_id):
        return _accept_invitation(request, invitation)


def _accept_invitation(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if not invitation.is_usable:
        return _unusable(request, 410)
    org = invitation.organisation
    context = {"invitation": invitation, "organisation_invited": org}
    user = request.user

    if user.is_authenticated:
        if services.normalise_email(user.email) != services.normalise_email(invitation.email):
            context["next"] = request.path
            status = 403 if request.method == "POST" else 200
            return render(request, "invitations/wrong_user.html", context, status=status)
        if request.method != "POST":
            return render(request, "invitations/join.html", context)
        try:
            services.accept_invitation(invitation, acting_user=user)
        except services.InvitationUnusable:
            return _unusable(request, 410)
        messages.success(request, f"Welcome to {org.name}.")
        return redirect("org:dashboard", org_slug=org.slug)

    if services.find_user(invitation.email) is not None:
        messages.info(request, f"Sign in as {invitation.email} to accept the invitation.")
        return redirect_to_login(request.get_full_path())

    if request.method != "POST":
        context["form"] = AcceptInvitationForm(email=invitation.email)
        return render(request, "invitations/register.html", context)
    form = AcceptInvitationForm(request.POST, email=invitation.email)
    if form.is_valid():
        try:
            new_user = services.register_and_accept(
                invitation, form.cleaned_data["full_name"], form.cleaned_data["password1"]
            )
        except services.InvitationUnusable:
            return _unusable(request, 410)
        except services.OrganisationError:  # the account appeared in the meantime
            return redirect_to_login(request.get_full_path())
        login(request, new_user, backend="accounts.backends.UserBackend")
        messages.success(request, f"Welcome to {org.name}.")
        return redirect("org:dashboard", org_slug=org.slug)
    context["form"] = form
    return render(request, "invitations/register.html", context)
