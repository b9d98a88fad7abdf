"""The CSE standard fixture: counts, order, completeness, and idempotent loading."""

import re

import pytest
from django.core.management import call_command

from standards.models import Criterion, Element, Standard, SubCriterion

SUB_ELEMENTS = [
    "1.3.3.1", "1.3.3.2", "1.3.4.1", "1.3.4.2", "2.1.4.1", "2.1.4.2", "2.2.2.1", "2.2.2.2",
    "4.1.2.1", "4.1.2.2", "5.2.3.1", "5.2.3.2", "5.3.2.1", "5.3.2.2", "5.3.2.3",
]  # fmt: skip


def ref_key(ref: str) -> tuple[int, ...]:
    return tuple(int(part) for part in ref.split("."))


@pytest.mark.django_db
def test_counts(cse_standard):
    assert Criterion.objects.filter(standard=cse_standard).count() == 5
    assert SubCriterion.objects.filter(standard=cse_standard).count() == 15
    assert Element.objects.filter(standard=cse_standard, parent__isnull=True).count() == 57
    subs = Element.objects.filter(standard=cse_standard, parent__isnull=False)
    assert sorted(subs.values_list("ref", flat=True), key=ref_key) == SUB_ELEMENTS


@pytest.mark.django_db
def test_every_element_has_text_and_guidance(cse_standard):
    for element in Element.objects.filter(standard=cse_standard, parent__isnull=True):
        assert element.text.strip(), element.ref
        assert len(element.guidance) >= 1, element.ref
        assert all(line.strip() for line in element.guidance), element.ref
    for sub in Element.objects.filter(standard=cse_standard, parent__isnull=False):
        assert sub.text.strip(), sub.ref
        assert sub.ref.startswith(sub.parent.ref + "."), sub.ref
        assert sub.sub_criterion_id == sub.parent.sub_criterion_id


@pytest.mark.django_db
def test_refs_unique_and_in_order(cse_standard):
    for model in (Criterion, SubCriterion, Element):
        refs = list(
            model.objects.filter(standard=cse_standard)
            .order_by("position")
            .values_list("ref", flat=True)
        )
        assert len(refs) == len(set(refs)), model
        assert refs == sorted(refs, key=ref_key), model


@pytest.mark.django_db
def test_elements_sit_under_their_sub_criterion(cse_standard):
    for element in Element.objects.filter(standard=cse_standard).select_related(
        "sub_criterion__criterion"
    ):
        assert element.ref.startswith(element.sub_criterion.ref + ".")
        assert element.sub_criterion.ref.startswith(element.sub_criterion.criterion.ref + ".")


@pytest.mark.django_db
def test_transcription_faults_are_repaired(cse_standard):
    texts = [e.text for e in Element.objects.all()] + [
        line for e in Element.objects.all() for line in e.guidance
    ]
    for text in texts:
        assert "Annex One" not in text
        assert "  " not in text
        assert "2108" not in text
        assert not re.search(r"\b(\w+) \1\b", text, re.IGNORECASE), text
    assert SubCriterion.objects.get(ref="4.2").title == "Achieved Delivery and Outcomes"
    assert Element.objects.get(ref="4.1.2").text.endswith(
        "tell our customers about our performance."
    )


@pytest.mark.django_db
def test_loading_twice_changes_nothing(cse_standard):
    before = list(Element.objects.order_by("pk").values())
    call_command("loaddata", "cse_standard", verbosity=0)
    assert Standard.objects.count() == 1
    assert list(Element.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_a_new_version_loads_beside_the_old(cse_standard):
    revised = Standard.objects.create(slug="cse", version="2", name="Customer Service Excellence")
    criterion = Criterion.objects.create(standard=revised, ref="1", title="Insight", position=1)
    assert Criterion.objects.filter(ref="1").count() == 2
    assert criterion.natural_key() == ("cse", "2", "1")
    assert Standard.objects.current() == revised
    assert Element.objects.get_by_natural_key("cse", "1", "1.1.1").standard == cse_standard
