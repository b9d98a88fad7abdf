"""The standard in the admin: to read, not to change. It is fixture data (``loaddata
cse_standard`` at deploy), and what pages read of it is kept once per process
(standards.memo): a change made here would reach only this process. A new version of the
standard is a new fixture, loaded at a deploy (which restarts every process)."""

from django.contrib import admin
from django.http import HttpRequest

from standards.models import Criterion, Element, Standard, SubCriterion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "version"]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ["ref", "title", "standard"]
    list_filter = ["standard"]


@admin.register(SubCriterion)
class SubCriterionAdmin(ReadOnlyAdmin):
    list_display = ["ref", "title", "standard"]
    list_filter = ["standard"]


@admin.register(Element)
class ElementAdmin(ReadOnlyAdmin):
    list_display = ["ref", "text", "standard"]
    list_filter = ["standard"]
    search_fields = ["ref", "text"]
