"""The read-only API under /o/<org_slug>/api/: the organisation's years (with their outcome
and every element's result), its evidence library's details (never a file's contents) and
its improvement actions.

Each view only parses, asks api.queries and serialises. GET (and HEAD, OPTIONS) only: any
other method is 405. Signed in by the session or by a personal API token
(api.authentication); api.permissions.IsMember resolves the organisation after that: 404 for
anyone who is not a member, 401 for nobody signed in.
"""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from actions.models import Action as ImprovementAction
from api import queries
from api.pagination import Pages
from api.permissions import IsMember
from api.serializers import (
    ActionSerializer,
    EvidenceSerializer,
    YearDetailSerializer,
    YearSerializer,
)
from assessments.rules import FIRST_YEAR
from cse_portal.web import parse_int
from evidence.models import Evidence
from organisations.permissions import Action

ORG = OpenApiParameter("org_slug", str, OpenApiParameter.PATH, description="The organisation.")


class TenantView(generics.GenericAPIView):
    """A view of one organisation's data; ``request.organisation`` is set by IsMember."""

    permission_classes = [IsMember]
    action_required = Action.VIEW
    http_method_names = ["get", "head", "options"]

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.resolves_tenant = True  # the TenantMiddleware leaves it to IsMember
        return view


@extend_schema(parameters=[ORG], summary="The organisation's years, latest first", tags=["years"])
class YearList(TenantView, generics.ListAPIView):
    """Each year's kind, status, visit date and outcome in brief (the counts of CP, C, PC and
    NC, the recommendation), a page at a time."""

    serializer_class = YearSerializer
    pagination_class = Pages

    def get_queryset(self):
        return queries.years(self.request.organisation)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(queries.with_outcomes(page), many=True).data
        return self.get_paginated_response(data)


@extend_schema(
    parameters=[ORG, OpenApiParameter("year", int, OpenApiParameter.PATH)],
    summary="A year: its outcome and every element's result",
    tags=["years"],
)
class YearDetail(TenantView, generics.RetrieveAPIView):
    """The year's kind, status and visit date; its outcome in full (counts per criterion and
    overall, the PC and NC elements, CP gained and lost since the previous year, elements
    sampled, the recommendation and its reasons); and every element's and sub-element's
    effective rating, self-rating, sampled and carried-forward flags. 404 for a year the
    organisation does not hold."""

    serializer_class = YearDetailSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        detail = queries.year_detail(request.organisation, kwargs["year"])
        if detail is None:
            raise Http404("The organisation holds no such year.")
        return Response(self.get_serializer(detail).data)


def evidence_filters(request: Request) -> dict:
    """The evidence list's ``kind`` and ``year`` filters; a 400 saying what to send otherwise."""
    errors, filters = {}, {}
    kind = request.query_params.get("kind", "")
    if kind:
        if kind not in Evidence.Kind.values:
            errors["kind"] = [f"Give one of: {', '.join(Evidence.Kind.values)}."]
        filters["kind"] = kind
    raw_year = request.query_params.get("year", "")
    if raw_year:
        year = parse_int(raw_year, FIRST_YEAR, 9999)
        if year is None:
            errors["year"] = ["Give a year in four digits, e.g. 2018."]
        filters["year"] = year
    if errors:
        raise ValidationError(errors)
    return filters


@extend_schema(
    parameters=[
        ORG,
        OpenApiParameter("kind", str, enum=Evidence.Kind.values, description="One kind only."),
        OpenApiParameter("year", int, description="Items linked to an element in this year."),
    ],
    summary="The evidence library's items, newest first (details, never the files)",
    tags=["evidence"],
)
class EvidenceList(TenantView, generics.ListAPIView):
    """Each item's title, kind, dates, owner, the elements it supports year by year and, for a
    file, its name, type and size (and a download link for the roles that may open files);
    never a file's contents. A page at a time; 400 for a ``kind`` or ``year`` it cannot
    read."""

    serializer_class = EvidenceSerializer
    pagination_class = Pages

    def get_queryset(self):
        return queries.evidence(self.request.organisation, **evidence_filters(self.request))


@extend_schema(
    parameters=[ORG, OpenApiParameter("evidence_pk", int, OpenApiParameter.PATH)],
    summary="One evidence item's details (never the file)",
    tags=["evidence"],
)
class EvidenceDetail(TenantView, generics.RetrieveAPIView):
    """As in the list; 404 for an item the organisation does not hold."""

    serializer_class = EvidenceSerializer
    lookup_url_kwarg = "evidence_pk"

    def get_queryset(self):
        return queries.evidence(self.request.organisation)


# --- Improvement actions ----------------------------------------------------------------------

ACTION_STATUSES = [*ImprovementAction.Status.values, queries.UNFINISHED]


def action_filters(request: Request) -> dict:
    """The actions list's ``status``, ``year`` and ``overdue`` filters; a 400 saying what to
    send otherwise."""
    errors, filters = {}, {}
    status = request.query_params.get("status", "")
    if status:
        if status not in ACTION_STATUSES:
            errors["status"] = [f"Give one of: {', '.join(ACTION_STATUSES)}."]
        filters["status"] = status
    raw_year = request.query_params.get("year", "")
    if raw_year:
        year = parse_int(raw_year, FIRST_YEAR, 9999)
        if year is None:
            errors["year"] = ["Give a year in four digits, e.g. 2018."]
        filters["year"] = year
    overdue = request.query_params.get("overdue", "")
    if overdue not in ("", "0", "1"):
        errors["overdue"] = ["Give 1 for overdue actions only (or 0, or leave it out, for all)."]
    filters["overdue"] = overdue == "1"
    if errors:
        raise ValidationError(errors)
    return filters


class ActionView(TenantView):
    """The actions' views: what the actions pages allow (every member reads them)."""

    serializer_class = ActionSerializer

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


@extend_schema(
    parameters=[
        ORG,
        OpenApiParameter(
            "status",
            str,
            enum=ACTION_STATUSES,
            description="One status, or 'unfinished' for open or in progress.",
        ),
        OpenApiParameter("year", int, description="Actions raised in this year."),
        OpenApiParameter(
            "overdue", int, enum=[0, 1], description="1: open or in progress and past due only."
        ),
    ],
    summary="The improvement actions, soonest due first",
    tags=["actions"],
)
class ActionList(ActionView, generics.ListAPIView):
    """Each action's element, the year it was raised in, description, owner, due date, status,
    whether it is overdue and the ids of its evidence items. A page at a time; 400 for a
    ``status``, ``year`` or ``overdue`` it cannot read."""

    pagination_class = Pages

    def get_queryset(self):
        return queries.actions(self.request.organisation, **action_filters(self.request))


@extend_schema(
    parameters=[ORG, OpenApiParameter("action_pk", int, OpenApiParameter.PATH)],
    summary="One improvement action",
    tags=["actions"],
)
class ActionDetail(ActionView, generics.RetrieveAPIView):
    """As in the list; 404 for an action the organisation does not hold."""

    lookup_url_kwarg = "action_pk"

    def get_queryset(self):
        return queries.actions(self.request.organisation)
