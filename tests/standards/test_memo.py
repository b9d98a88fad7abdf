"""standards.memo: what pages read of a standard is read once per process, and read again
after any of the standard's rows is saved or deleted in this process."""

from assessments.figures import standard_elements
from standards import memo
from standards.models import Element
from tests.factories import ElementFactory


def test_built_once_per_name_and_standard():
    memo.forget()
    built = []

    def build(standard_id):
        built.append(standard_id)
        return f"standard {standard_id}"

    assert memo.per_standard("test", 1, build) == "standard 1"
    assert memo.per_standard("test", 1, build) == "standard 1"
    assert memo.per_standard("test", 2, build) == "standard 2"
    assert memo.per_standard("other", 1, build) == "standard 1"
    assert built == [1, 2, 1]


def test_a_standards_elements_are_read_once(cse_standard, django_assert_num_queries):
    memo.forget()
    with django_assert_num_queries(1):
        first = standard_elements([cse_standard.pk])
    with django_assert_num_queries(0):
        assert standard_elements([cse_standard.pk, cse_standard.pk]) == first
    assert len(first) == 57  # the standard's elements, sub-elements left out


def test_saving_or_deleting_an_element_forgets_what_was_kept(db):
    element = ElementFactory(ref="9.9.9")
    assert {e.ref for e in standard_elements([element.standard_id]).values()} == {"9.9.9"}
    element.ref = "9.9.8"
    element.save()
    assert {e.ref for e in standard_elements([element.standard_id]).values()} == {"9.9.8"}
    added = ElementFactory(
        ref="9.9.7", standard=element.standard, sub_criterion=element.sub_criterion
    )
    assert len(standard_elements([element.standard_id])) == 2
    Element.objects.get(pk=added.pk).delete()
    assert {e.ref for e in standard_elements([element.standard_id]).values()} == {"9.9.8"}


def test_a_new_standard_with_an_id_used_before_is_read_afresh(db):
    """A rolled-back test's standard id may be used again (SQLite): a new standard's save
    forgets what was kept of the old one."""
    old = ElementFactory(ref="8.8.8")
    standard_elements([old.standard_id])
    memo._kept[("figures.elements", old.standard_id + 1)] = {"stale": "kept"}
    ElementFactory(ref="7.7.7")  # saves a standard (and criterion, sub-criterion, element)
    assert ("figures.elements", old.standard_id + 1) not in memo._kept
