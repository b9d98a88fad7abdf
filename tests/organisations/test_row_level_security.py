"""The second wall (organisations.rls): on PostgreSQL, every tenant table shows a role that
neither owns it nor bypasses row-level security only the rows of the organisation its
connection is set to (organisations.tenancy), all rows across tenants, none without a context.

The queries below are raw SQL that forgets its organisation filter, run as such a role
(tests/conftest.py, as_app_role: SET ROLE on the test's connection).
"""

import pytest
from django.db import DatabaseError, connection, transaction

from archive.tables import tables
from assessments.models import AssessmentEvent, CriterionSummary
from organisations import rls, tenancy
from organisations.tenancy import all_tenants, no_tenant, tenant
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    BoardReportFactory,
    ElementResultFactory,
    EvidenceLinkFactory,
    EvidencePackFactory,
    EvidenceVersionFactory,
    FileEvidenceFactory,
    InvitationFactory,
    MembershipFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]


def build(organisation, settings, tmp_path) -> None:
    """A row in every kind of tenant table, for ``organisation``."""
    settings.MEDIA_ROOT = tmp_path
    member = MembershipFactory(organisation=organisation)
    InvitationFactory(organisation=organisation, invited_by=member.user)
    year = AssessmentFactory(organisation=organisation, year=2024)
    result = ElementResultFactory(assessment=year)
    AssessmentEvent.objects.create(assessment=year, to_status=year.status)
    CriterionSummary.objects.create(
        assessment=year, criterion=result.element.sub_criterion.criterion, text="Summary"
    )
    result.rating = "C"
    result.save()  # a history row of the result
    evidence = FileEvidenceFactory(organisation=organisation, created_by=member.user)
    EvidenceVersionFactory(evidence=evidence)
    EvidenceLinkFactory(evidence=evidence, assessment=year, element=result.element)
    ActionFactory(raised_in=year, element=result.element).evidence.add(evidence)
    BoardReportFactory(assessment=year, done=True)
    EvidencePackFactory(assessment=year, done=True)


@pytest.fixture
def two_orgs(org, other_org, settings, tmp_path):
    build(org, settings, tmp_path)
    build(other_org, settings, tmp_path)
    return org, other_org


def table_names() -> list[str]:
    return [table.model._meta.db_table for table in tables()]


def rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def organisations_seen(sql: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[0] for row in cursor.fetchall()}


def test_every_tenant_table_is_behind_its_policy():
    """Walked from the models (archive.tables), so a tenant table added later without a
    migration calling organisations.rls.enable fails here."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname "
            "AND p.policyname = %s) FROM pg_class c WHERE c.relkind = 'r'",
            [rls.POLICY],
        )
        found = {name: flags for name, *flags in cursor.fetchall()}
    missing = [name for name in table_names() if found.get(name) != [True, True, True]]
    assert missing == [], f"{missing} lack row-level security: add a migration (organisations.rls)"


def test_the_app_role_neither_owns_nor_bypasses(as_app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_tables "
            "WHERE tableowner = current_user AND tablename = ANY(%s)",
            [table_names()],
        )
        assert cursor.fetchone()[0] == 0


def test_a_forgotten_filter_returns_only_the_contexts_rows(two_orgs, as_app_role):
    org, other_org = two_orgs
    with tenant(org):
        assert organisations_seen("SELECT organisation_id FROM assessments_assessment") == {org.pk}
        assert organisations_seen("SELECT id FROM organisations_organisation") == {org.pk}
        # A child table without an organisation column, through its parent's policy.
        assert organisations_seen(
            "SELECT DISTINCT a.organisation_id FROM assessments_elementresult r "
            "JOIN assessments_assessment a ON a.id = r.assessment_id"
        ) == {org.pk}
        for table in table_names():
            assert rows(table) > 0, table
    with all_tenants("this test counts both organisations' rows"):
        everything = {table: rows(table) for table in table_names()}
    with tenant(other_org):
        theirs = {table: rows(table) for table in table_names()}
    with tenant(org):
        ours = {table: rows(table) for table in table_names()}
    # Each organisation sees exactly its own share: together, everything; apart, less.
    for table in table_names():
        assert ours[table] + theirs[table] == everything[table], table
        assert ours[table] < everything[table], table


def test_no_context_shows_no_tenant_row(two_orgs, as_app_role):
    with no_tenant():
        assert {table: rows(table) for table in table_names()} == dict.fromkeys(table_names(), 0)
    # A connection never set at all (the setting unknown to it) shows none either: the policy
    # itself, asked past the app's execute wrapper (which sets a value on every statement).
    with connection.connection.cursor() as raw:
        raw.execute("RESET cse.organisation_id")
        raw.execute("SELECT count(*) FROM assessments_assessment")
        assert raw.fetchone()[0] == 0


def test_a_write_for_another_organisation_is_refused(two_orgs, as_app_role):
    org, other_org = two_orgs
    refused = pytest.raises(DatabaseError, match="row-level security")
    with tenant(org), refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_assessment SET organisation_id = %s WHERE organisation_id = %s",
            [other_org.pk, org.pk],
        )
    with tenant(org), connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_evidencelink")  # forgets its filter
        assert cursor.rowcount > 0
    with all_tenants("this test checks the other organisation kept its links"):
        assert organisations_seen(
            "SELECT e.organisation_id FROM evidence_evidencelink l "
            "JOIN evidence_evidence e ON e.id = l.evidence_id"
        ) == {other_org.pk}


def test_a_request_sets_the_context_and_leaves_none_behind(client, two_orgs, as_app_role):
    org, _other = two_orgs
    user = MembershipFactory(organisation=org).user
    client.force_login(user)
    assert client.get(f"/o/{org.slug}/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('cse.organisation_id', true)")
        # The test's own context (tests/conftest.py) is back on the connection.
        assert cursor.fetchone()[0] == tenancy.ALL


def setting_on_connection() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('cse.organisation_id', true)")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_setting_follows_every_context(org):
    """Autocommit, as a request on a kept connection runs: a value already set is not sent
    again, yet the connection always holds the context's value, a rolled-back one included."""
    assert setting_on_connection() == tenancy.ALL  # the test's own context
    with tenant(org):
        assert setting_on_connection() == str(org.pk)
        with transaction.atomic():
            with no_tenant():
                assert setting_on_connection() == ""
            transaction.set_rollback(True)
        assert setting_on_connection() == str(org.pk)
        with no_tenant():
            assert setting_on_connection() == ""
    assert setting_on_connection() == tenancy.ALL
    connection.close()  # a new connection holds none, which shows no tenant row, as ""
    with no_tenant():
        assert setting_on_connection() in (None, "")
    with tenant(org):
        assert setting_on_connection() == str(org.pk)


def test_a_server_side_cursor_and_executemany_carry_the_context(two_orgs, as_app_role):
    """They take the setting as a statement of its own (a DECLARE … CURSOR cannot share its
    message): an iterator (PostgreSQL's named cursor) and executemany see only the context's
    rows."""
    from assessments.models import Assessment

    org, other_org = two_orgs
    with tenant(org):
        assert {a.organisation_id for a in Assessment.objects.iterator(chunk_size=1)} == {org.pk}
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE assessments_assessment SET certification_body = %s", [["first"], ["second"]]
            )
    with all_tenants("this test reads both bodies"):
        bodies = dict(Assessment.objects.values_list("organisation_id", "certification_body"))
    assert bodies[org.pk] == "second" and bodies[other_org.pk] != "second"


def test_the_setting_rides_in_the_statements_round_trip(client, two_orgs, as_app_role):
    """A tenant page sends no statement of its own for the setting: each set_config goes in
    the same message as the query that needs it, and only when the connection may hold
    another value (inside the test's transaction: every statement)."""
    org, _other = two_orgs
    user = MembershipFactory(organisation=org).user
    client.force_login(user)
    sent: list[str] = []

    def record(execute, sql, params, many, context):  # innermost: what reaches the driver
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get(f"/o/{org.slug}/assessments/").status_code == 200
    alone = [sql for sql in sent if sql.lstrip().upper().startswith("SELECT SET_CONFIG")]
    alone = [sql for sql in alone if ";" not in sql]
    assert sent and alone == []
    assert any(f"set_config('cse.organisation_id', '{org.pk}', false); SELECT" in s for s in sent)


@pytest.mark.django_db(transaction=True)
def test_a_statement_that_fails_forgets_the_value_it_carried(org, other_org):
    """In autocommit the setting and a failing statement are one implicit transaction: both
    are undone, and the next statement sends its value again."""
    with tenant(org):
        assert setting_on_connection() == str(org.pk)
    with tenant(other_org):
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        assert setting_on_connection() == str(other_org.pk)


def test_a_compound_statement_carries_its_context_too(two_orgs, as_app_role):
    """A statement of any kind not known to read no rows takes the setting: a compound query
    starting with "(" as the ORM writes a union, here after the connection last held the other
    organisation."""
    org, other_org = two_orgs
    with tenant(other_org):
        assert organisations_seen("SELECT organisation_id FROM assessments_assessment") == {
            other_org.pk
        }
    with tenant(org):
        assert organisations_seen(
            "(SELECT organisation_id FROM assessments_assessment) "
            "UNION (SELECT organisation_id FROM evidence_evidence)"
        ) == {org.pk}
