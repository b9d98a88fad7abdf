"""Lists come a page at a time: ``?page=2``, ``?page_size=100`` (50 by default, 200 at most)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from cse_portal.web import parse_int

MAX_PAGES = 10**9


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request: Request, paginator) -> int | str:
        """The page asked for, in ASCII digits (or "last"); anything else is a 400 that says
        what to send (DRF would read "٢" as 2, and answer 404 to "x")."""
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw in self.last_page_strings:
            return super().get_page_number(request, paginator)
        number = parse_int(raw, 1, MAX_PAGES)
        if number is None:
            raise ValidationError({"page": ["Give a page number: 1, 2, 3 … (or 'last')."]})
        return number

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = parse_int(raw, 1, self.max_page_size)
        if size is None:
            raise ValidationError(
                {"page_size": [f"Give a number of items a page, from 1 to {self.max_page_size}."]}
            )
        return size
