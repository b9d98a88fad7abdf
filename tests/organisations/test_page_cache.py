"""The page cache (organisations.page_cache) and the data generations it keys on
(organisations.generations): a kept page is served only while nothing it was drawn from has
changed, only to the session that asked for it, and never instead of a permission check.

Generations change after a commit, so the tests that show "a write elsewhere renews the
page" run on a transactional database (real commits, other connections); the others run in
the usual rolled-back transaction, where the cache must stay out of uncommitted writes."""

import threading

import pytest
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from assessments.models import ElementResult
from evidence.models import Evidence
from organisations import generations, page_cache, tenancy
from organisations.models import Membership, Role
from reports.models import BoardReport
from tests.factories import EvidenceFactory, MembershipFactory, OrganisationFactory

# --- which statements change what ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "evidence_evidence" ("title") VALUES (%s)', "evidence_evidence"),
        ('UPDATE "assessments_elementresult" SET "rating" = %s', "assessments_elementresult"),
        ('DELETE FROM "actions_action" WHERE "id" = %s', "actions_action"),
        ('INSERT OR IGNORE INTO "x_y" VALUES (1)', "x_y"),
        ('  update "Mixed" set a = 1', "mixed"),
        ('SELECT "id" FROM "evidence_evidence"', None),
        # PostgreSQL's compound query (Django's union), a read; SQLite's has no parentheses.
        ('(SELECT "a"."x" FROM "a") UNION (SELECT "b"."x" FROM "b")', None),
        (' ( (SELECT 1) UNION (SELECT 2)) EXCEPT (SELECT 3)', None),
        ("SAVEPOINT s1", None),
        ("RELEASE SAVEPOINT s1", None),
        ("SELECT set_config('cse.organisation_id', '1', false)", None),
        ('UPDATE "django_session" SET "session_data" = %s', None),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', None),
        ('INSERT INTO "organisations_generation" (scope, token) VALUES (%s, %s)', None),
        ('UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s', None),
        ('UPDATE "accounts_user" SET "full_name" = %s WHERE "id" = %s', "accounts_user"),
        ('UPDATE "accounts_user" SET "last_login" = %s, "email" = %s', "accounts_user"),
        ('ALTER TABLE "evidence_evidence" ADD COLUMN "x" int', ""),
        ('TRUNCATE "evidence_evidence"', ""),
        ('WITH x AS (DELETE FROM "a" RETURNING 1) SELECT 1', ""),
    ],
)  # fmt: skip
def test_which_table_a_statement_writes(sql, table):
    assert generations.written_table(sql) == table


# --- generations, with real commits ---------------------------------------------------------

committed = pytest.mark.django_db(transaction=True)


def token_of(scope) -> str:
    return generations.tokens([scope])[1]


def global_token() -> str:
    return generations.tokens([])[0]


@committed
def test_a_committed_write_for_one_organisation_renews_its_generation_only():
    one, two = OrganisationFactory(), OrganisationFactory()
    before = (token_of(one.pk), token_of(two.pk), global_token())
    with tenancy.tenant(one), transaction.atomic():
        one.name = "Renamed Trust"
        one.save()
        assert token_of(one.pk) == before[0], "not before the commit"
    assert token_of(one.pk) != before[0]
    assert (token_of(two.pk), global_token()) == before[1:]


@committed
@pytest.mark.parametrize("write", ["insert", "bulk insert", "update", "queryset update", "delete"])
def test_every_kind_of_write_renews_the_generation(write, y2018, element):
    """Rows made one at a time (INSERT … RETURNING, whose row count SQLite gives only once its
    rows are read), in bulk, saved, updated in bulk and deleted: each renews."""
    org = y2018.organisation
    before = token_of(org.pk)
    with tenancy.tenant(org):
        if write == "insert":
            EvidenceFactory(organisation=org)
        elif write == "bulk insert":
            Evidence.objects.bulk_create([Evidence(organisation=org, title="A", kind="note")])
        elif write == "update":
            y2018.visit_date = "2018-06-01"
            y2018.save(update_fields=["visit_date"])
        elif write == "queryset update":
            ElementResult.objects.filter(assessment=y2018).update(comment="Seen.")
        else:
            ElementResult.objects.filter(assessment=y2018, element=element).delete()
    assert token_of(org.pk) != before


@committed
def test_a_write_outside_any_organisation_renews_the_global_generation():
    one = OrganisationFactory()
    before = (token_of(one.pk), global_token())
    with tenancy.all_tenants("a command"):
        one.name = "Renamed by a command"
        one.save(update_fields=["name"])
    assert token_of(one.pk) == before[0]
    assert global_token() != before[1]


@committed
def test_a_rolled_back_write_or_an_update_of_no_row_renews_nothing():
    one = OrganisationFactory()
    before = (token_of(one.pk), global_token())

    class Undo(Exception):
        pass

    with tenancy.tenant(one):
        with pytest.raises(Undo), transaction.atomic():
            one.name = "Never Saved"
            one.save()
            raise Undo
        ElementResult.objects.filter(pk=-1).update(rating="C")
    assert (token_of(one.pk), global_token()) == before


@committed
def test_sessions_and_signing_in_renew_nothing_but_a_new_name_renews_all(client):
    user = User.objects.create_user("someone@example.org", "a-long-password-1")
    before = global_token()
    signed_in = client.post(
        reverse("login"), {"username": "someone@example.org", "password": "a-long-password-1"}
    )
    assert signed_in.status_code == 302
    assert global_token() == before
    user.full_name = "Someone Else"
    user.save(update_fields=["full_name"])
    assert global_token() != before


@committed
def test_a_lost_token_is_replaced_by_a_new_one_never_an_old_one():
    one = OrganisationFactory()
    first = token_of(one.pk)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM organisations_generation WHERE scope = %s", [str(one.pk)])
    assert token_of(one.pk) not in {"", first}


# --- the page cache ------------------------------------------------------------------------


def dashboard(org) -> str:
    return reverse("org:dashboard", args=[org.slug])


def grid(org, year: int = 2018) -> str:
    return reverse("org:year", args=[org.slug, year])


def kept(response) -> str | None:
    return getattr(response, "page_cache", None)


@pytest.fixture
def lead_client(lead):
    client = Client()
    client.force_login(lead)
    return client


def warm(client, url):
    """Ask twice: the first sets the CSRF cookie and the session's remembered organisation
    (not kept), the second is drawn and kept."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_the_same_page_asked_again_is_the_kept_answer(y2018, lead_client):
    first = warm(lead_client, grid(y2018.organisation))
    assert kept(first) == "miss"
    again = lead_client.get(grid(y2018.organisation))
    assert kept(again) == "hit"
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in again  # the middleware's headers, on a kept answer too


@pytest.mark.django_db
def test_a_write_in_the_tests_transaction_is_seen_at_once(y2018, lead_client):
    """The test's transaction never commits: the uncommitted writes keep the cache out."""
    org = y2018.organisation
    warm(lead_client, grid(org))
    saved = lead_client.post(
        reverse("org:self-assessment", args=[org.slug, 2018, "1.1.1"]),
        {"self_rating": "PC", "self_notes": "Seen in the tests"},
    )
    assert saved.status_code in (200, 302)
    page = lead_client.get(reverse("org:element", args=[org.slug, 2018, "1.1.1"]))
    assert kept(page) != "hit"
    assert "Seen in the tests" in page.content.decode()


@committed
def test_a_committed_write_by_another_connection_renews_the_page(cse_standard):
    """As a worker or another web process would: a thread with its own connection commits a
    change; the next request draws the page again and shows it."""
    org = OrganisationFactory()
    lead = MembershipFactory(organisation=org, role=Role.QUALITY_LEAD).user
    client = Client()
    client.force_login(lead)
    warm(client, dashboard(org))
    assert kept(client.get(dashboard(org))) == "hit"

    def rename():
        try:
            with tenancy.tenant(org):
                org.name = "Renamed Elsewhere NHS Trust"
                org.save()
        finally:
            connection.close()

    thread = threading.Thread(target=rename)
    thread.start()
    thread.join()
    page = client.get(dashboard(org))
    assert kept(page) == "miss"
    assert "Renamed Elsewhere NHS Trust" in page.content.decode()


@pytest.mark.django_db
def test_another_session_or_another_user_never_gets_the_kept_answer(y2018, lead, member_of):
    org = y2018.organisation
    first = Client()
    first.force_login(lead)
    warm(first, grid(org))
    second = Client()
    second.force_login(lead)  # the same person, another browser
    second.get(grid(org))
    assert kept(second.get(grid(org))) == "miss"
    other = Client()
    other.force_login(member_of(org, Role.QUALITY_LEAD))
    other.get(grid(org))
    assert kept(other.get(grid(org))) == "miss"


@pytest.mark.django_db
def test_permissions_are_checked_before_the_cache(y2018, lead, lead_client):
    """A member whose membership has ended gets 404, not their kept page."""
    org = y2018.organisation
    warm(lead_client, dashboard(org))
    Membership.objects.filter(user=lead, organisation=org).update(ends_on="2000-01-01")
    assert lead_client.get(dashboard(org)).status_code == 404


@pytest.mark.django_db
def test_a_page_with_waiting_messages_is_drawn_and_not_kept(y2018, lead_client):
    """A message left by the previous request (as after a redirect) is shown, once."""
    org = y2018.organisation
    warm(lead_client, dashboard(org))
    storage = CookieStorage(RequestFactory().get("/"))
    lead_client.cookies["messages"] = storage._encode([Message(INFO, "Your year was opened.")])
    page = lead_client.get(dashboard(org))
    assert "Your year was opened." in page.content.decode()
    assert kept(page) is None
    again = lead_client.get(dashboard(org))
    assert "Your year was opened." not in again.content.decode()
    assert kept(again) == "hit"


@pytest.mark.django_db
def test_the_day_is_part_of_the_key(y2018, lead_client, monkeypatch):
    import datetime

    org = y2018.organisation
    warm(lead_client, dashboard(org))
    monkeypatch.setattr(
        page_cache.timezone, "localdate", lambda: datetime.date.today() + datetime.timedelta(1)
    )
    assert kept(lead_client.get(dashboard(org))) == "miss"


@pytest.mark.django_db
def test_a_role_change_is_a_new_page(y2018, lead, lead_client):
    org = y2018.organisation
    warm(lead_client, dashboard(org))
    Membership.objects.filter(user=lead, organisation=org).update(role=Role.GOVERNING_BODY)
    page = lead_client.get(dashboard(org))
    assert kept(page) != "hit"


@pytest.mark.django_db
def test_a_board_reports_list_that_polls_is_not_kept(y2018, org, lead, board):
    client = Client()
    client.force_login(board)
    url = reverse("org:board-reports", args=[org.slug])
    BoardReport.objects.create(
        organisation=org, assessment=y2018, requested_by=lead, meeting="Board",
        meeting_date="2018-11-01", author="Lead", sponsor="Chair", purpose="information",
        assurance="reasonable", recommendation="Note.", status="queued",
    )  # fmt: skip
    client.get(url)
    assert kept(client.get(url)) is None


@pytest.mark.django_db
def test_a_kept_page_s_form_token_is_valid_for_its_session(y2018, lead):
    org = y2018.organisation
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    client.get(grid(org))
    client.get(grid(org))
    page = client.get(grid(org))
    assert kept(page) == "hit"
    token = page.content.decode().split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    saved = client.post(
        reverse("org:self-assessment", args=[org.slug, 2018, "1.1.2"]),
        {"self_rating": "C"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert saved.status_code in (200, 302)


@pytest.mark.django_db
def test_an_unreachable_cache_is_a_miss_not_an_error(y2018, lead_client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(page_cache.cache, "get", broken)
    monkeypatch.setattr(page_cache.cache, "set", broken)
    response = warm(lead_client, grid(y2018.organisation))
    assert response.status_code == 200
    assert kept(response) == "miss"  # drawn; its keeping failed quietly (logged)


@pytest.mark.django_db
def test_the_cache_can_be_turned_off(y2018, lead_client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    warm(lead_client, grid(y2018.organisation))
    assert kept(lead_client.get(grid(y2018.organisation))) is None


@pytest.mark.django_db
def test_htmx_and_query_strings_are_pages_of_their_own(y2018, lead_client):
    org = y2018.organisation
    full = warm(lead_client, grid(org))
    part = lead_client.get(grid(org), headers={"HX-Request": "true"})
    assert kept(part) == "miss"
    filtered = lead_client.get(grid(org) + "?rating=PC")
    assert kept(filtered) == "miss"
    assert full.content != filtered.content


@pytest.mark.django_db
def test_the_command_renews_every_page(y2018, lead_client):
    from io import StringIO

    from django.core.management import call_command

    warm(lead_client, grid(y2018.organisation))
    before = global_token()
    out = StringIO()
    call_command("renew_generations", stdout=out)
    assert "Renewed" in out.getvalue()
    assert global_token() != before
    assert kept(lead_client.get(grid(y2018.organisation))) == "miss"


@pytest.mark.django_db
def test_the_assessors_home_is_drawn_again_when_any_of_their_organisations_changes(
    y2018, assessor, member_of
):
    client = Client()
    client.force_login(assessor)
    url = reverse("assessor-home")
    warm(client, url)
    assert kept(client.get(url)) == "hit"
    generations.renew(str(y2018.organisation.pk))
    assert kept(client.get(url)) == "miss"


@pytest.mark.django_db
def test_with_the_check_on_a_stale_kept_page_fails_loudly(y2018, lead_client, monkeypatch):
    """The suite's own guard: a change that renews no generation (made here by switching the
    wrapper off) is caught the next time the kept page is served."""
    org = y2018.organisation
    warm(lead_client, grid(org))
    monkeypatch.setattr(generations, "changed", lambda scope, connection: None)
    with tenancy.tenant(org):
        ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(
            self_rating="NC"
        )
    with pytest.raises(page_cache.StalePage, match="differs from the page drawn now"):
        lead_client.get(grid(org))


@pytest.mark.django_db
def test_other_code_draws_the_page_again(y2018, lead_client, monkeypatch, settings, tmp_path):
    """A deploy (any module or template of the project's apps changed) is a new release."""
    warm(lead_client, grid(y2018.organisation))
    release = page_cache._release()
    assert release == page_cache.RELEASE
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("one")
    settings.BASE_DIR = tmp_path
    first = page_cache._release()
    (templates / "page.html").write_text("two, longer")
    assert page_cache._release() != first
    monkeypatch.setattr(page_cache, "RELEASE", "another release")
    assert kept(lead_client.get(grid(y2018.organisation))) == "miss"


@pytest.mark.django_db
def test_a_redis_cache_that_refuses_connections_is_a_miss(y2018, lead_client, settings):
    """The real Redis client on a port where nothing listens (Redis stopped): pages are drawn,
    within the connect timeout the settings give a Redis cache."""
    import time

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    started = time.monotonic()
    for _ in range(3):
        response = lead_client.get(grid(y2018.organisation))
        assert response.status_code == 200
        assert kept(response) != "hit"
    assert time.monotonic() - started < 30


@pytest.mark.django_db
def test_a_connection_moved_to_another_database_asks_again_whether_it_has_the_table(
    monkeypatch,
):
    """The test runner moves the connection from the database DATABASE_URL names to its test
    database: that the first had the generations' table says nothing of the second, where
    renewing while it is being made (no table yet) must do nothing."""
    monkeypatch.setattr(connection, "cse_generations_ready", "the-database-left", raising=False)
    monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [])
    with CaptureQueriesContext(connection) as queries:
        generations.renew("all")
    assert not queries  # not written: this database has no such table yet
