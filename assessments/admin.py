from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Assessment, ElementResult


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "year", "kind", "status", "visit_date"]
    list_filter = ["status", "kind", "organisation"]


@admin.register(ElementResult)
class ElementResultAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "element", "self_rating", "rating", "sampled"]
    list_filter = ["assessment__organisation", "assessment__year", "rating"]
    raw_id_fields = ["assessment", "element"]
