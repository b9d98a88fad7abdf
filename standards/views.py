from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from standards.models import Standard
from standards.queries import clean_search, find_element, standard_tree


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    standard = Standard.objects.current()
    search = clean_search(request.GET.get("q", ""))
    query = search.text
    tree = standard_tree(standard, query) if standard else []
    match_count = sum(node.element_count for node in tree) if query else None
    return render(
        request,
        "standards/index.html",
        {
            "standard": standard,
            "tree": tree,
            "query": query,
            "search_notes": search.notes,
            "match_count": match_count,
        },
    )


@login_required
@require_safe
def element_detail(request: HttpRequest, ref: str) -> HttpResponse:
    standard = Standard.objects.current()
    if standard is None:
        raise Http404("The standard is not loaded")
    element = find_element(standard, ref)
    if element is None:
        raise Http404("No element of the standard has that ref")
    return render(
        request,
        "standards/element.html",
        {
            "standard": standard,
            "element": element,
            "sub_elements": element.sub_elements.order_by("position"),
        },
    )
