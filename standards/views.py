from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from standards.models import Element, Standard
from standards.queries import standard_tree

MAX_QUERY_LENGTH = 200


@login_required
def index(request: HttpRequest) -> HttpResponse:
    standard = Standard.objects.current()
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()
    tree = standard_tree(standard, query) if standard else []
    match_count = sum(node.element_count for node in tree) if query else None
    return render(
        request,
        "standards/index.html",
        {"standard": standard, "tree": tree, "query": query, "match_count": match_count},
    )


@login_required
def element_detail(request: HttpRequest, ref: str) -> HttpResponse:
    standard = Standard.objects.current()
    if standard is None:
        raise Http404("The standard is not loaded")
    element = get_object_or_404(
        Element.objects.select_related("sub_criterion__criterion", "parent"),
        standard=standard,
        ref=ref,
    )
    return render(
        request,
        "standards/element.html",
        {
            "standard": standard,
            "element": element,
            "sub_elements": element.sub_elements.order_by("position"),
        },
    )
