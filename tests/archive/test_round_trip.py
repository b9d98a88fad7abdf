"""Export an organisation, remove it, import it: every row and every file comes back."""

import pytest
from django.core.management import call_command

from archive.tables import owned, tables
from organisations.models import Organisation
from tests.archive.snapshot import snapshot


def purge(organisation_id: int) -> None:
    """Remove every row the organisation owns (history included) without signals, as if the
    database had never held it."""
    doomed = [
        (t.model, list(owned(t, organisation_id).values_list("pk", flat=True))) for t in tables()
    ]
    for model, pks in reversed(doomed):
        model._base_manager.filter(pk__in=pks)._raw_delete(using="default")


@pytest.mark.django_db
def test_round_trip(rich_org, tmp_path, settings):
    before = snapshot(rich_org.pk)
    path = tmp_path / "acme.zip"
    call_command("export_organisation", "acme", str(path))
    purge(rich_org.pk)
    assert not Organisation.objects.filter(slug="acme").exists()
    settings.MEDIA_ROOT = tmp_path / "restored"
    call_command("import_organisation", str(path))
    restored = Organisation.objects.get(slug="acme")
    after = snapshot(restored.pk)
    for label in before:
        assert after[label] == before[label], label
