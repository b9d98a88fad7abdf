"""Reading the standard: the nested tree for browsing, and search."""

from dataclasses import dataclass, field

from cse_portal.text import describe, unsafe_characters
from standards.models import Criterion, Element, Standard, SubCriterion

MAX_QUERY_LENGTH = 200


@dataclass
class Search:
    """What is searched for, and what the page says about how the typed text was read."""

    text: str
    notes: list[str] = field(default_factory=list)


def clean_search(raw: str) -> Search:
    """The typed search, made searchable: control and bidirectional-override characters (a
    NUL byte, which PostgreSQL refuses, among them) are left out, spaces around are dropped
    and it is cut to ``MAX_QUERY_LENGTH`` characters; each change is noted for the page."""
    notes: list[str] = []
    bad = unsafe_characters(raw)
    if bad:
        raw = "".join(ch for ch in raw if ch not in bad)
        notes.append(
            f"The search held invisible control characters ({describe(bad)}), which were left "
            "out of the search."
        )
    text = raw.strip()
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].strip()
        notes.append(f"Only the first {MAX_QUERY_LENGTH} characters of the search were used.")
    return Search(text, notes)


def find_element(standard: Standard, ref: str) -> Element | None:
    """The element or sub-element ``ref`` of ``standard``, or None. A ref that no element
    could have (longer than the column, or holding a control character such as NUL) is not
    looked up at all."""
    limit = Element._meta.get_field("ref").max_length
    if not ref or len(ref) > limit or unsafe_characters(ref):
        return None
    return (
        Element.objects.select_related("sub_criterion__criterion", "parent")
        .filter(standard=standard, ref=ref)
        .first()
    )


@dataclass
class SubCriterionNode:
    sub_criterion: SubCriterion
    elements: list[Element] = field(default_factory=list)


@dataclass
class CriterionNode:
    criterion: Criterion
    sub_criteria: list[SubCriterionNode] = field(default_factory=list)

    @property
    def element_count(self) -> int:
        return sum(len(node.elements) for node in self.sub_criteria)


def standard_tree(standard: Standard, query: str = "") -> list[CriterionNode]:
    """Criteria → sub-criteria → elements (sub-elements after their parent), in three queries.

    With a query, only matching elements are kept, and criteria and sub-criteria left empty
    are dropped.
    """
    elements = Element.objects.filter(standard=standard).search(query).order_by("position")
    by_sub: dict[int, list[Element]] = {}
    for element in elements:
        by_sub.setdefault(element.sub_criterion_id, []).append(element)
    criteria = {c.pk: CriterionNode(c) for c in Criterion.objects.filter(standard=standard)}
    for sub in SubCriterion.objects.filter(standard=standard).order_by("position"):
        found = by_sub.get(sub.pk, [])
        if query and not found:
            continue
        criteria[sub.criterion_id].sub_criteria.append(SubCriterionNode(sub, found))
    return [node for node in criteria.values() if node.sub_criteria or not query]
