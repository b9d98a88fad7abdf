"""Assessment fixtures: an organisation with the real standard and its Annex One history
(2014–2018 from the board paper; 2014–2017 finalised, 2018 with the assessor); the standing
users of each role are in tests/conftest.py."""

import os

import pytest
from django.core.management import call_command

from assessments.models import Assessment, ElementResult
from standards.models import Element

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
