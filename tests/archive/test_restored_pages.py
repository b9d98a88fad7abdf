"""A restored organisation works: its members sign in to its pages, which show its years,
marks, evidence (files downloadable), reports and history as before the export."""

from io import StringIO

import pytest
from django.core.management import call_command

from evidence.models import Evidence
from organisations.models import Organisation
from reports.models import BoardReport
from tests.archive.test_round_trip import exported  # noqa: F401 (a fixture)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


@pytest.fixture
def restored(exported, client, org_admin):  # noqa: F811
    _, path = exported
    call_command("import_organisation", str(path), stdout=StringIO())
    client.force_login(org_admin)
    return Organisation.objects.get(slug="acme")


def test_the_pages_of_a_restored_organisation(restored, client):
    base = "/o/acme"
    policy = Evidence.objects.get(organisation=restored, original_filename="policy-v3.pdf")
    report = BoardReport.objects.get(organisation=restored, status="done")
    expectations = {
        f"{base}/": "2018",
        f"{base}/assessments/2018/": "1.1.1",
        f"{base}/assessments/2018/elements/1.1.1/": "Partly there: see the complaints log.",
        f"{base}/evidence/": "policy v1",
        f"{base}/actions/": "Publish the complaints log.",
        f"{base}/progression/": "2014",
        f"{base}/audit/": "withdrawn",  # the deleted item, from its history alone
        f"{base}/assessments/2018/elements/1.1.1/history/": "Partly there",
        f"{base}/evidence/{policy.pk}/download/": "% policy-v3",
        f"{base}/progression/board-reports/{report.pk}/download/": "%PDF-1.7 board report",
    }
    for url, expected in expectations.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in body(response), url
