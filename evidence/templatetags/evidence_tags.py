"""Template tags of the evidence pages."""

from django import template

from evidence.forms import UploadForm

register = template.Library()


@register.simple_tag
def upload_form(uploader_id: str) -> UploadForm:
    """The uploader's date fields with their defaults (today, a year later), their ids
    prefixed with the uploader's own id so two uploaders on a page never share one."""
    return UploadForm(auto_id=f"{uploader_id}-%s")
