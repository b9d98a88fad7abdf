"""Shared fixtures: the real CSE standard; one standing user of each role (lead, assessor,
board, org_admin) in ``org``, with an outsider in ``other_org``; and ``org``'s Annex One
history (``seeded``: 2014–2018 from the board paper, 2014–2017 finalised, 2018 with the
assessor) with its years ``y2018``, ``y2017``, element 1.1.1 and its 2018 ``result``.

With ``REQUIRE_SERVICES=1`` (CI) the run refuses to start unless it is on PostgreSQL and Redis,
and fails at the end if any end-to-end test was skipped (no Chromium, for instance): a green
run then means everything ran on the real services.
"""

import os

import pytest
from django.core.management import call_command

from assessments.models import Assessment, ElementResult
from organisations.models import Role
from organisations.tenancy import all_tenants
from standards.models import Element, Standard
from tests.factories import MembershipFactory, OrganisationFactory


@pytest.fixture(scope="session", autouse=True)
def tenants_open_to_test_setup():
    """Test code (fixtures, factories, assertions) reads and writes across organisations, as
    pretix's tests do; each request still runs in its own tenant context
    (organisations.middleware.TenancyScopeMiddleware), so a page's forgotten filter raises
    in the tests as in production. tests/organisations/test_tenancy.py checks both."""
    with all_tenants("test setup and assertions"):
        yield


@pytest.fixture
def as_app_role(db):
    """On PostgreSQL, the rest of the test runs as the app's kind of role: one that neither
    owns the tables nor bypasses row-level security (NOSUPERUSER NOBYPASSRLS), with the rights
    on rows that ``manage.py migrate`` grants it, by SET ROLE on the test's connection. The
    role is made inside the test's transaction (rolled back with it), named after the test
    database so that parallel runs never share one. Nothing on SQLite (no policies)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield None
        return
    role = f"cse_app_{connection.settings_dict['NAME']}"[:63]
    name = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {name} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"
        )
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {name}")
        cursor.execute(f"SET ROLE {name}")
    yield role
    if not connection.needs_rollback:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture(autouse=True)
def kept_pages_checked(settings):
    """Every kept answer the page cache serves in a test is compared with the page drawn
    anew (organisations.page_cache.StalePage): a write that did not renew its generation fails
    whichever test sees its page."""
    settings.PAGE_CACHE_CHECK = True


@pytest.fixture(autouse=True)
def prepared_queries_checked(settings):
    """Every prepared query run in a test is compared with its queryset run by the ORM
    (organisations.prepared.PreparedDiffers): on SQLite and PostgreSQL, in every state the
    tests make."""
    settings.PREPARED_QUERIES_CHECK = True


@pytest.fixture
def drawn_pages(settings):
    """The page cache off (organisations.page_cache): for tests that count what drawing a page
    costs, which a kept answer would skip. Every other test runs with it on."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s a user; tests make many users and check no password strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the real standard loaded once for the whole run (each test's
    transaction rolls back to it)."""
    with django_db_blocker.unblock():
        call_command("loaddata", "cse_standard", verbosity=0)


@pytest.fixture
def cse_standard(db) -> Standard:
    """The real standard from fixtures/cse_standard.json (loaded again after a transactional
    test has flushed the database)."""
    standard = Standard.objects.filter(slug="cse", version="1").first()
    if standard is None:
        call_command("loaddata", "cse_standard", verbosity=0)
        standard = Standard.objects.get(slug="cse", version="1")
    return standard


@pytest.fixture
def no_standard(db) -> None:
    """A database without any standard (this test's transaction only)."""
    Standard.objects.all().delete()


@pytest.fixture
def org(db):
    return OrganisationFactory(slug="acme", name="Acme Care")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(slug="elsewhere", name="Elsewhere Housing")


@pytest.fixture
def member_of(db):
    """member_of(org, role) -> a user who is a member of ``org`` with ``role``."""

    def make(organisation, role=Role.QUALITY_LEAD):
        return MembershipFactory(organisation=organisation, role=role).user

    return make


@pytest.fixture
def lead(org, member_of):
    return member_of(org, Role.QUALITY_LEAD)


@pytest.fixture
def assessor(org, member_of):
    return member_of(org, Role.ASSESSOR)


@pytest.fixture
def board(org, member_of):
    """A governing-body member: reads everything, changes nothing, opens no evidence files."""
    return member_of(org, Role.GOVERNING_BODY)


@pytest.fixture
def outsider(other_org, member_of):
    """A quality lead of another organisation."""
    return member_of(other_org, Role.QUALITY_LEAD)


# --- an organisation's years ----------------------------------------------------------------

SEED = "fixtures/demo/annex_one_2014_2018.csv"


@pytest.fixture
def seeded(org, cse_standard):
    """``org`` with the real years 2014–2018: 72 results a year, 2014–2017 finalised."""
    with open(os.devnull, "w") as quiet:
        call_command("import_annex_one", "--org", org.slug, SEED, stdout=quiet)
    Assessment.objects.filter(organisation=org, year__lt=2018).update(
        status=Assessment.Status.FINALISED
    )
    Assessment.objects.filter(organisation=org, year=2018).update(
        status=Assessment.Status.ASSESSOR_REVIEW
    )
    return org


@pytest.fixture
def y2018(seeded):
    return Assessment.objects.get(organisation=seeded, year=2018)


@pytest.fixture
def y2017(seeded):
    return Assessment.objects.get(organisation=seeded, year=2017)


@pytest.fixture
def element(cse_standard):
    """Element 1.1.1 of the real standard."""
    return Element.objects.get(standard=cse_standard, ref="1.1.1")


@pytest.fixture
def result(y2018, element):
    return ElementResult.objects.get(assessment=y2018, element=element)


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def missing_services() -> list[str]:
    """What keeps this run off the real services: the database and the Celery broker."""
    from django.conf import settings

    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        problems.append(
            f"the database is {engine.rsplit('.', 1)[-1]}, not PostgreSQL "
            "(unset DATABASE_URL for make test to start one, or point it at PostgreSQL)"
        )
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")):
        problems.append(
            f"the Celery broker is {broker.split(':', 1)[0]}, not Redis "
            "(unset CELERY_BROKER_URL for make test to start one, or point it at Redis)"
        )
    return problems


def pytest_sessionstart(session) -> None:
    if services_required() and (problems := missing_services()):
        pytest.exit("REQUIRE_SERVICES=1 but " + "; ".join(problems), returncode=1)


# End-to-end tests that were skipped in this run: "<node id>: <reason>".
_skipped_e2e: list[str] = []


def is_e2e(nodeid: str) -> bool:
    return "e2e" in nodeid.split("::", 1)[0].split("/")


def pytest_runtest_logreport(report) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and is_e2e(report.nodeid):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        _skipped_e2e.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus) -> None:
    if services_required() and _skipped_e2e and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    # scripts/test.sh ran the audits before the tests: a dependency audit that could not
    # reach its service is repeated here, where it is seen (scripts/audit.py).
    audit_log = os.environ.get("AUDIT_LOG", "")
    if audit_log and os.path.exists(audit_log):
        with open(audit_log, encoding="utf-8") as handle:
            warnings = [line.rstrip() for line in handle if line.startswith("WARNING: NOT")]
        if warnings:
            terminalreporter.section("security audit", sep="=", yellow=True, bold=True)
            for line in warnings:
                terminalreporter.line(line, yellow=True)
    if services_required() and _skipped_e2e:
        terminalreporter.section("REQUIRE_SERVICES=1", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(_skipped_e2e)} end-to-end tests did not run, so this run fails:", red=True
        )
        for line in _skipped_e2e:
            terminalreporter.line(f"  {line}")


def pytest_report_header(config) -> list[str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db['NAME']}",
        f"celery broker: {settings.CELERY_BROKER_URL}",
    ]


@pytest.fixture
def org_admin(org, member_of):
    """An admin of ``org``."""
    return member_of(org, Role.ADMIN)
