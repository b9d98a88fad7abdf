"""The API's JSON, read-only: what api.queries loads, written out field by field (so the
OpenAPI schema says exactly what each answer holds)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import Action as ImprovementAction
from assessments.models import Assessment, Rating
from assessments.outcome import NcRule, Recommendation
from evidence.models import Evidence
from organisations.permissions import Action, can

RATINGS = [("", "Not rated"), *Rating.choices]


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class CountsSerializer(serializers.Serializer):
    """How many of the standard's elements carry each rating (sub-elements not counted)."""

    CP = serializers.IntegerField()
    C = serializers.IntegerField()
    PC = serializers.IntegerField()
    NC = serializers.IntegerField()


def refs(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


RECOMMENDATIONS = [(r.value, r.label) for r in Recommendation]


class OutcomeSummarySerializer(serializers.Serializer):
    """A year's outcome in brief (the years list)."""

    final = serializers.ChoiceField(
        choices=RECOMMENDATIONS,
        help_text="The recommendation that stands: the assessor's override, else the computed one.",
    )
    label = serializers.CharField(help_text="The final recommendation in words.")
    counts = CountsSerializer()
    elements = serializers.IntegerField(help_text="The standard's elements (57).")
    rated = serializers.IntegerField()
    sampled = serializers.IntegerField(help_text="Elements sampled at the year's visit.")


class CriterionOutcomeSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    counts = CountsSerializer()
    elements = serializers.IntegerField()
    pc = refs("Its elements rated Partial Compliance.")
    nc = refs("Its elements rated Non-Compliance.")
    unrated = refs("Its elements with no rating.")
    sampled = serializers.IntegerField()


class ThresholdsSerializer(serializers.Serializer):
    """The certification body's rules the outcome was computed with (settings)."""

    pc_allowed = serializers.IntegerField()
    pc_allowed_per_criterion = serializers.IntegerField()
    nc_rule = serializers.ChoiceField(choices=[(r.value, r.value) for r in NcRule])
    pc_remedy_months = serializers.IntegerField()


class OverrideSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=RECOMMENDATIONS)
    reason = serializers.CharField()


class OutcomeSerializer(OutcomeSummarySerializer):
    """A year's outcome in full (assessments.outcome.Outcome)."""

    recommendation = serializers.ChoiceField(
        choices=RECOMMENDATIONS, help_text="Computed from the ratings and the thresholds."
    )
    overridden = serializers.BooleanField()
    override = OverrideSerializer(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why, in sentences.")
    complete = serializers.BooleanField(help_text="Every element has a rating.")
    criteria = CriterionOutcomeSerializer(many=True)
    cp = refs("Elements rated Compliance Plus.")
    pc = refs("Elements rated Partial Compliance.")
    nc = refs("Elements rated Non-Compliance.")
    unrated = refs("Elements with no rating.")
    carried_forward = refs("Elements whose rating is carried forward, not rated again.")
    compared = serializers.BooleanField(help_text="Whether there was a previous year.")
    cp_gained = refs("Compliance Plus now, not in the previous year.")
    cp_lost = refs("Compliance Plus in the previous year, not now.")
    sampled_by_criterion = serializers.DictField(child=serializers.IntegerField())
    remedy_by = serializers.DateField(
        allow_null=True, help_text="The deadline to remedy Partial Compliance (visit + months)."
    )
    thresholds = ThresholdsSerializer()


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(source="assessment.kind", choices=Assessment.Kind.choices)
    status = serializers.ChoiceField(source="assessment.status", choices=Assessment.Status.choices)
    finalised = serializers.BooleanField(source="assessment.is_finalised")
    finalised_at = serializers.DateTimeField(source="assessment.finalised_at", allow_null=True)
    document_review_date = serializers.DateField(
        source="assessment.document_review_date", allow_null=True
    )
    visit_date = serializers.DateField(
        source="assessment.visit_date", allow_null=True, help_text="The visit's first day."
    )
    visit_end_date = serializers.DateField(
        source="assessment.visit_end_date",
        allow_null=True,
        help_text="The visit's last day, when it lasts more than one.",
    )
    lead_assessor = PersonSerializer(source="assessment.lead_assessor", allow_null=True)
    certification_body = serializers.CharField(source="assessment.certification_body")
    outcome = OutcomeSummarySerializer(
        help_text="Computed from the effective ratings; provisional until the year is finalised."
    )
    url = serializers.SerializerMethodField(help_text="This year in the API.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, year) -> str:
        request = self.context["request"]
        slug = request.organisation.slug
        return request.build_absolute_uri(reverse("org:api-year", args=[slug, year.year]))


class ResultSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="The element, e.g. '1.1.1', or sub-element '1.1.1.1'.")
    parent = serializers.CharField(
        allow_null=True, help_text="A sub-element's element; null for an element."
    )
    criterion = serializers.CharField()
    rating = serializers.ChoiceField(
        choices=RATINGS,
        help_text="The effective rating: the assessor's, or the one carried forward from the "
        "year before when carried_forward is true; '' when not rated.",
    )
    self_rating = serializers.ChoiceField(choices=RATINGS)
    sampled = serializers.BooleanField(help_text="Sampled at this year's visit.")
    carried_forward = serializers.BooleanField()


class YearDetailSerializer(YearSerializer):
    assessor_summary = serializers.CharField(
        source="assessment.assessor_summary", help_text="The assessor's findings for the year."
    )
    outcome = OutcomeSerializer(
        help_text="Computed from the effective ratings; provisional until the year is finalised."
    )
    results = ResultSerializer(
        many=True, help_text="Every element and sub-element, in the standard's order."
    )


# --- Evidence ---------------------------------------------------------------------------------


class LinkSerializer(serializers.Serializer):
    year = serializers.IntegerField(source="assessment.year")
    ref = serializers.CharField(source="element.ref")
    carried_forward = serializers.BooleanField()
    needs_confirmation = serializers.BooleanField(
        help_text="Carried forward and not yet re-confirmed for this year."
    )


class FileSerializer(serializers.Serializer):
    """A file's details: never its contents."""

    filename = serializers.CharField(source="original_filename")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="In bytes.")
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="file_uploaded_at", allow_null=True)
    download_url = serializers.SerializerMethodField(
        help_text="The portal's download link, for a signed-in browser; null for a role that "
        "may not open evidence files (the governing body)."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, item: Evidence) -> str | None:
        request = self.context["request"]
        if not can(request.membership, Action.DOWNLOAD_EVIDENCE):
            return None
        path = reverse("org:evidence-download", args=[request.organisation.slug, item.pk])
        return request.build_absolute_uri(path)


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices)
    description = serializers.CharField()
    web_address = serializers.SerializerMethodField(help_text="A web link's address.")
    evidence_date = serializers.DateField(allow_null=True)
    review_by = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField(help_text="Past its review-by date.")
    owner = PersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    file = serializers.SerializerMethodField(help_text="A file's details; null for a link or note.")
    links = LinkSerializer(many=True, help_text="The elements it supports, year by year.")
    url = serializers.SerializerMethodField(help_text="This item in the API.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_address(self, item: Evidence) -> str | None:
        return item.url if item.kind == Evidence.Kind.LINK else None

    @extend_schema_field(FileSerializer(allow_null=True))
    def get_file(self, item: Evidence) -> dict | None:
        if item.kind != Evidence.Kind.FILE:
            return None
        return FileSerializer(item, context=self.context).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item: Evidence) -> str:
        request = self.context["request"]
        path = reverse("org:api-evidence-item", args=[request.organisation.slug, item.pk])
        return request.build_absolute_uri(path)


# --- Improvement actions ----------------------------------------------------------------------


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField(source="element.ref", help_text="The element, e.g. '2.1.4'.")
    year_raised = serializers.IntegerField(
        source="raised_in.year", help_text="The year whose rating of the element it answers."
    )
    description = serializers.CharField()
    owner = PersonSerializer(allow_null=True, help_text="Who sees that it gets done.")
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=ImprovementAction.Status.choices)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.SerializerMethodField(
        help_text="Open or in progress and past its due date."
    )
    evidence = serializers.SerializerMethodField(
        help_text="The ids of the evidence items linked to it (see /evidence/<id>/)."
    )
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="This action in the API.")

    def get_is_overdue(self, action: ImprovementAction) -> bool:
        return action.is_overdue_on(self.context["today"])

    def get_evidence(self, action: ImprovementAction) -> list[int]:
        return [item.pk for item in action.evidence.all()]  # prefetched, in id order

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, action: ImprovementAction) -> str:
        request = self.context["request"]
        path = reverse("org:api-action", args=[request.organisation.slug, action.pk])
        return request.build_absolute_uri(path)
