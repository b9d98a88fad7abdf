"""Platform staff's view of improvement actions."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from actions.models import Action


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["element", "raised_in", "organisation", "owner", "status", "due_date"]
    list_filter = ["status", "organisation"]
    search_fields = ["description", "element__ref"]
    raw_id_fields = [
        "organisation",
        "element",
        "raised_in",
        "owner",
        "created_by",
        "status_changed_by",
        "evidence",
    ]
    readonly_fields = ["created_at", "updated_at", "status_changed_at"]
    list_select_related = ["element", "raised_in", "organisation", "owner"]
