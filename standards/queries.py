"""Reading the standard: the nested tree for browsing, and search."""

from dataclasses import dataclass, field

from standards.models import Criterion, Element, Standard, SubCriterion


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
