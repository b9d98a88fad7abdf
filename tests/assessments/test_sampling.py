"""The sampling helper: the visits left in the three-year cycle, the proposed sample (a pure
function), the year's sampling state, confirming a sample, and its page."""

import pytest

from assessments import marking
from assessments.models import Assessment, ElementResult
from assessments.sampling import Candidate, propose_sample, sampling_state, visits_left
from tests.assessments.support import body, messages_of, url

INITIAL, A, R = "initial", "annual_review", "reassessment"


@pytest.mark.parametrize(
    "kinds, left",
    [
        ([INITIAL], 3),  # the initial assessment itself: the cycle ahead
        ([INITIAL, A], 2),  # the first annual review: this one and the next
        ([INITIAL, A, A], 1),  # the last annual review
        ([INITIAL, A, A, R, A], 2),  # a reassessment starts the next cycle
        ([A, A], 2),  # a record that starts with reviews: its first year starts the cycle
        ([INITIAL, A, A, A], 1),  # a cycle run long: this visit only
    ],
)
def test_visits_left_in_the_cycle(kinds, left):
    assert visits_left(kinds) == left


def candidates(count: int, criteria: int = 3, **by_ref) -> list[Candidate]:
    out = []
    for n in range(count):
        ref = f"{n % criteria + 1}.1.{n // criteria + 1}"
        out.append(Candidate(ref=ref, criterion_ref=ref[0], **by_ref.get(ref, {})))
    return sorted(out, key=lambda c: (c.criterion_ref, c.ref))


def test_the_first_review_takes_half_spread_over_the_criteria():
    pool = candidates(12)
    proposal = propose_sample(pool, visits=2)
    assert len(proposal) == 6
    # Two from each of the three criteria.
    assert sorted(ref[0] for ref in proposal) == ["1", "1", "2", "2", "3", "3"]
    assert proposal == [c.ref for c in pool if c.ref in proposal]  # the standard's order


def test_every_pc_and_nc_is_proposed_and_counts_towards_the_share():
    pool = candidates(
        12,
        **{"1.1.1": {"last_rating": "PC"}, "2.1.3": {"last_rating": "NC"}},
    )
    proposal = propose_sample(pool, visits=2)
    assert {"1.1.1", "2.1.3"} <= set(proposal)
    assert len(proposal) == 6  # the share of 6 includes them: both are not yet sampled


def test_a_pc_already_sampled_in_the_cycle_is_re_checked_on_top_of_the_share():
    pool = candidates(6, **{"1.1.1": {"last_rating": "PC", "sampled_in_cycle": True}})
    proposal = propose_sample(pool, visits=2)
    assert "1.1.1" in proposal
    assert len(proposal) == 1 + 3  # ceil(5 / 2) of the rest, plus the re-check


def test_the_last_visit_takes_everything_not_yet_sampled():
    pool = candidates(9, **{f"{c}.1.1": {"sampled_in_cycle": True} for c in "123"})
    proposal = propose_sample(pool, visits=1)
    assert set(proposal) == {c.ref for c in pool if not c.sampled_in_cycle}


def test_over_a_cycle_the_samples_cover_the_standard():
    pool = candidates(57, criteria=5)
    first = set(propose_sample(pool, visits=2))
    pool = [Candidate(c.ref, c.criterion_ref, sampled_in_cycle=c.ref in first) for c in pool]
    second = set(propose_sample(pool, visits=1))
    assert first | second == {c.ref for c in pool} and not first & second
    assert len(first) == 29 and len(second) == 28


def test_nothing_left_and_nothing_to_re_check_proposes_nothing():
    pool = candidates(4, **{c.ref: {"sampled_in_cycle": True} for c in candidates(4)})
    assert propose_sample(pool, visits=1) == []


# --- the year's state, the service and the page ----------------------------------------------

pytestmark = pytest.mark.django_db


def test_the_seeded_2018_state(y2018):
    Assessment.objects.filter(pk=y2018.pk).update(kind=Assessment.Kind.ANNUAL_REVIEW)
    y2018.refresh_from_db()
    state = sampling_state(y2018)
    assert len(state.candidates) == 57
    assert state.applies
    # PC or NC in 2017 must be re-checked in 2018.
    last = dict(
        ElementResult.objects.filter(
            assessment__organisation=y2018.organisation,
            assessment__year=2017,
            element__parent__isnull=True,
        ).values_list("element__ref", "rating")
    )
    assert {c.ref for c in state.to_recheck} == {
        ref for ref, rating in last.items() if rating in ("PC", "NC")
    }
    sampled = ElementResult.objects.filter(
        assessment=y2018, element__parent__isnull=True, sampled=True
    ).count()
    assert state.sampled_now == sampled == sum(c.sampled_now for c in state.counts)
    assert sum(c.elements for c in state.counts) == 57
    assert set(state.proposal()) >= {c.ref for c in state.to_recheck}


def test_sampling_state_in_three_queries(y2018, django_assert_num_queries):
    # the years, this year's results, the earlier years' (reviews' samples, last ratings)
    with django_assert_num_queries(3):
        sampling_state(y2018)


def test_set_sample_changes_only_what_was_changed_with_history(y2018, assessor):
    ElementResult.objects.filter(assessment=y2018).update(sampled=False)
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.2").update(sampled=True)
    before = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1").version
    change = marking.set_sample(
        y2018, acting_user=assessor, add=["1.1.1", "2.1.1"], remove=["1.1.2"]
    )
    assert (change.added, change.removed) == (["1.1.1", "2.1.1"], ["1.1.2"])
    rows = dict(
        ElementResult.objects.filter(
            assessment=y2018, element__ref__in=["1.1.1", "1.1.2"]
        ).values_list("element__ref", "sampled")
    )
    assert rows == {"1.1.1": True, "1.1.2": False}
    row = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert row.history.latest().history_user == assessor and row.version == before + 1
    # Again: nothing to change.
    assert marking.set_sample(y2018, acting_user=assessor, add=["1.1.1"]).count == 0
    with pytest.raises(ValueError):
        marking.set_sample(y2018, acting_user=assessor, add=["9.9.9"])
    with pytest.raises(ValueError):
        marking.set_sample(y2018, acting_user=assessor, add=["1.1.1"], remove=["1.1.1"])


def test_the_sample_page_proposes_and_the_assessor_confirms(client, y2018, assessor):
    org = y2018.organisation
    Assessment.objects.filter(pk=y2018.pk).update(kind=Assessment.Kind.ANNUAL_REVIEW)
    ElementResult.objects.filter(assessment=y2018).update(sampled=False)
    client.force_login(assessor)
    page = body(client.get(url("sample", org, 2018)))
    assert "Propose a sample" in page and "Elements sampled so far" in page
    response = client.get(url("sample", org, 2018), {"propose": "1"})
    proposal = sorted(response.context["ticked"])
    assert proposal and "Proposed:" in body(response)
    # The assessor adjusts: drops one, confirms.
    kept = proposal[1:]
    response = client.post(url("sample", org, 2018), {"ref": kept})
    assert response.status_code == 302
    assert "The sample is saved" in messages_of(client.get(response["Location"]))[0]
    sampled = set(
        ElementResult.objects.filter(assessment=y2018, sampled=True).values_list(
            "element__ref", flat=True
        )
    )
    assert sampled == set(kept)


def test_the_sample_page_for_readers_and_other_kinds(client, y2018, lead):
    client.force_login(lead)
    page = body(
        client.get(
            url(
                "sample",
                y2018.organisation,
                2018,
            )
        )
    )
    assert "Confirm the sample" not in page
    response = client.get(url("sample", y2018.organisation, 2018), {"propose": "1"})
    assert "Confirm the sample" not in body(response)
    Assessment.objects.filter(pk=y2018.pk).update(kind=Assessment.Kind.REASSESSMENT)
    assert "every element is rated" in body(client.get(url("sample", y2018.organisation, 2018)))
