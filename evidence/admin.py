"""Platform staff's view of evidence. Files are not linked from here: the admin never serves
them (only the permission-checked download views do); their metadata is shown read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from evidence.models import Evidence, EvidenceLink, EvidenceVersion

FILE_FIELDS = [
    "stored_as",
    "original_filename",
    "content_type",
    "size",
    "sha256",
    "file_uploaded_at",
    "file_uploaded_by",
]


class EvidenceVersionInline(admin.TabularInline):
    model = EvidenceVersion
    extra = 0
    can_delete = False
    fields = [
        "original_filename",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "replaced_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EvidenceLinkInline(admin.TabularInline):
    model = EvidenceLink
    extra = 0
    fields = ["assessment", "element", "note", "carried_forward", "confirmed_at", "confirmed_by"]
    raw_id_fields = ["assessment", "element", "confirmed_by"]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "kind", "owner", "review_by", "created_at"]
    list_filter = ["kind", "organisation"]
    search_fields = ["title", "description", "original_filename", "sha256"]
    raw_id_fields = ["organisation", "owner", "created_by"]
    readonly_fields = [*FILE_FIELDS, "created_at", "updated_at"]
    inlines = [EvidenceVersionInline, EvidenceLinkInline]
    list_select_related = ["organisation", "owner"]
    exclude = ["file"]

    @admin.display(description="stored as")
    def stored_as(self, obj: Evidence) -> str:
        return obj.file.name or "—"


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(SimpleHistoryAdmin):
    list_display = ["evidence", "assessment", "element", "carried_forward", "confirmed_at"]
    list_filter = ["carried_forward", "assessment__organisation", "assessment__year"]
    raw_id_fields = ["evidence", "assessment", "element", "created_by", "confirmed_by"]
    list_select_related = ["evidence", "assessment__organisation", "element"]
