"""A role in a sentence reads as English: "You are a quality lead", "as an assessor", "a
member of the governing body" (one function, one template filter), never a lower-cased label
("You are quality lead here")."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from organisations import services
from organisations.models import Role, role_phrase
from tests.factories import MembershipFactory

PHRASES = {
    Role.ADMIN: "an admin",
    Role.QUALITY_LEAD: "a quality lead",
    Role.ASSESSOR: "an assessor",
    Role.GOVERNING_BODY: "a member of the governing body",
}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_its_phrase(role):
    assert role_phrase(role) == PHRASES[role]
    assert role_phrase(role.value) == PHRASES[role]  # as stored on a membership
    rendered = Template("{% load organisation_tags %}You are {{ role|role_phrase }} here.")
    assert rendered.render(Context({"role": role.value})) == f"You are {PHRASES[role]} here."


def test_an_unknown_role_is_shown_as_it_is():
    assert role_phrase("owner") == "owner"


# A role's label lower-cased into a sentence: the mistake this file is about.
LOWERED_LABEL = re.compile(r"(get_role_display|\brole)\s*\|\s*lower")


def test_no_template_lowercases_a_role_label_into_a_sentence():
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = {
        str(path.relative_to(templates))
        for path in templates.rglob("*")
        if path.is_file() and LOWERED_LABEL.search(path.read_text())
    }
    # The dashboard too: "You are {{ membership.role|role_phrase }} here."
    assert offenders == set()


@pytest.mark.django_db
def test_the_forbidden_page_says_the_role_in_a_sentence(client, org):
    board = MembershipFactory(organisation=org, role=Role.GOVERNING_BODY).user
    client.force_login(board)
    response = client.get(reverse("org:members", args=[org.slug]))
    assert response.status_code == 403
    assert "In Acme Care you are a member of the governing body." in response.content.decode()


@pytest.mark.django_db
def test_the_member_pages_say_the_role_in_a_sentence(client, org, org_admin):
    lead = MembershipFactory(organisation=org, role=Role.QUALITY_LEAD)
    name = lead.user.full_name or lead.user.email
    client.force_login(org_admin)
    for url_name in ["org:member-role", "org:member-remove"]:
        page = client.get(reverse(url_name, args=[org.slug, lead.pk])).content.decode()
        assert re.search(rf"{re.escape(name)} is a quality lead\s+in Acme Care\.", page), url_name


@pytest.mark.django_db
def test_the_invitation_email_says_the_role_in_a_sentence(
    org, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(org, "ivy@example.test", "governing_body", acting_user=org_admin)
    body = " ".join(mailoutbox[0].body.split())
    assert "to join Acme Care on CSE Portal as a member of the governing body." in body
