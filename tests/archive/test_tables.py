"""Every model with a path to Organisation is in the archive or excluded with a reason."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models

from archive import tables
from archive.errors import ArchiveError
from archive.tables import EXCLUDED, Kind
from organisations.models import Organisation


def owned_by_an_organisation() -> set[type[models.Model]]:
    """Walked here on its own (not with archive.tables): every model whose foreign keys
    lead to Organisation, directly or through the rows they point at."""
    everything = apps.get_models(include_auto_created=True)
    found = {Organisation}
    grew = True
    while grew:
        grew = False
        for model in everything:
            if model not in found and any(
                field.is_relation
                and field.related_model in found
                and field.related_model is not model
                for field in model._meta.concrete_fields
            ):
                found.add(model)
                grew = True
    return found


def test_every_tenant_model_is_exported_or_excluded_with_a_reason():
    exported = {table.model for table in tables.tables()}
    for model in owned_by_an_organisation():
        label = model._meta.label_lower
        if label in EXCLUDED:
            assert EXCLUDED[label].strip(), f"{label} is excluded without a reason"
            assert model not in exported
        else:
            assert model in exported, (
                f"{label} belongs to an organisation but is not in the archive: export it "
                "(archive.tables) or add it to archive.tables.EXCLUDED with the reason"
            )


def test_the_walk_finds_what_it_must():
    """The apps' own tenant tables, history and many-to-many tables among them."""
    labels = {model._meta.label_lower for model in owned_by_an_organisation()}
    assert {
        "organisations.membership",
        "assessments.assessment",
        "assessments.elementresult",
        "assessments.historicalelementresult",
        "assessments.assessmentevent",
        "evidence.evidence",
        "evidence.evidenceversion",
        "evidence.evidencelink",
        "actions.action",
        "actions.action_evidence",
        "actions.historicalaction_evidence",
        "reports.boardreport",
    } <= labels


def test_a_new_tenant_model_is_found_and_one_it_cannot_carry_is_named():
    """A model added later with an organisation key is exported without anyone listing it;
    one with a column no archive can carry (a content type here) stops the export with a
    message that says to export or exclude it."""

    class Sticker(models.Model):
        organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
        text = models.CharField(max_length=20)

        class Meta:
            app_label = "archive_test"

        def __str__(self) -> str:
            return str(self.pk)

    class Badge(models.Model):
        sticker = models.ForeignKey(Sticker, on_delete=models.CASCADE)
        kind = models.ForeignKey(ContentType, on_delete=models.CASCADE)

        class Meta:
            app_label = "archive_test"

        def __str__(self) -> str:
            return str(self.pk)

    found = tables.tenant_models([*apps.get_models(), Sticker, Badge])
    assert Sticker in found and Badge in found
    table = tables.describe(Sticker, found)
    assert table.owner.name == "organisation"
    assert [(c.name, c.kind) for c in table.columns] == [
        ("id", Kind.PK),
        ("organisation", Kind.ROW),
        ("text", Kind.VALUE),
    ]
    with pytest.raises(ArchiveError, match="archive_test.Badge.kind refers to contenttypes"):
        tables.describe(Badge, found)


def test_history_rows_are_owned_through_the_rows_they_record():
    by_label = {table.label: table for table in tables.tables()}
    result_history = by_label["assessments.historicalelementresult"]
    assert result_history.owner.name == "assessment"
    assert result_history.column("id").kind == Kind.OBJECT
    assert result_history.column("history_user").kind == Kind.USER
    assert by_label["evidence.historicalevidence"].column("file").kind == Kind.FILE_NAME
    assert by_label["evidence.evidenceversion"].column("file").kind == Kind.FILE
    assert by_label["assessments.elementresult"].column("element").kind == Kind.STANDARD


def test_live_tables_come_before_history_and_after_what_they_refer_to():
    order = [table.label for table in tables.tables()]
    assert order[0] == "organisations.organisation"
    first_history = min(i for i, t in enumerate(tables.tables()) if t.records is not None)
    assert all(t.records is not None for t in tables.tables()[first_history:])
    assert order.index("evidence.evidence") < order.index("evidence.evidenceversion")
    assert order.index("assessments.assessment") < order.index("assessments.elementresult")


def test_excluding_a_table_that_others_refer_to_is_refused(monkeypatch):
    """Leaving out evidence items while links to them travel could not be restored."""
    monkeypatch.setitem(EXCLUDED, "evidence.evidence", "a test")
    tables.tables.cache_clear()
    try:
        with pytest.raises(ArchiveError, match="refers to evidence.Evidence, which archive"):
            tables.tables()
    finally:
        monkeypatch.undo()
        tables.tables.cache_clear()
    assert "evidence.evidence" in {table.label for table in tables.tables()}
