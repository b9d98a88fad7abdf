"""Row-level security on every tenant table (PostgreSQL only; nothing on SQLite): the second
wall of organisations.tenancy, described in organisations.rls and docs/security.md, "Tenancy".

The tables are listed here as they are at this migration (archive.tables finds the same set
from the models); tests/organisations/test_row_level_security.py fails for any tenant table
without the policy, so a tenant table added later needs a migration calling rls.enable too.
"""

from django.db import migrations

from organisations import rls

# (table, the column leading to the organisation, the parent table it names or None when the
# column is the organisation's id)
TABLES = [
    ("organisations_organisation", "id", None),
    ("organisations_membership", "organisation_id", None),
    ("organisations_invitation", "organisation_id", None),
    ("organisations_historicalmembership", "organisation_id", None),
    ("organisations_historicalinvitation", "organisation_id", None),
    ("assessments_assessment", "organisation_id", None),
    ("assessments_historicalassessment", "organisation_id", None),
    ("assessments_assessmentevent", "assessment_id", "assessments_assessment"),
    ("assessments_criterionsummary", "assessment_id", "assessments_assessment"),
    ("assessments_historicalcriterionsummary", "assessment_id", "assessments_assessment"),
    ("assessments_elementresult", "assessment_id", "assessments_assessment"),
    ("assessments_historicalelementresult", "assessment_id", "assessments_assessment"),
    ("evidence_evidence", "organisation_id", None),
    ("evidence_historicalevidence", "organisation_id", None),
    ("evidence_evidenceversion", "evidence_id", "evidence_evidence"),
    ("evidence_evidencelink", "evidence_id", "evidence_evidence"),
    ("evidence_historicalevidencelink", "evidence_id", "evidence_evidence"),
    ("actions_action", "organisation_id", None),
    ("actions_historicalaction", "organisation_id", None),
    ("actions_action_evidence", "action_id", "actions_action"),
    ("actions_historicalaction_evidence", "action_id", "actions_action"),
    ("reports_boardreport", "organisation_id", None),
    ("reports_evidencepack", "organisation_id", None),
]


def forwards(apps, schema_editor):
    for table, column, parent in TABLES:
        rls.run(schema_editor, rls.enable(table, column, parent))


def backwards(apps, schema_editor):
    for table, _column, _parent in TABLES:
        rls.run(schema_editor, rls.disable(table))


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_membership_end_date"),
        ("assessments", "0002_assessor_visit"),
        ("evidence", "0002_refuse_control_characters"),
        ("actions", "0001_improvement_actions"),
        ("reports", "0002_report_job_base_and_evidence_pack"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
