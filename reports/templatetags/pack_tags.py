"""The evidence pack's index (templates/reports/evidence_pack/index.html): text that people
typed, shown with every control and bidirectional character made visible as an escape
(cse_portal.text.printable), so a stored title, file name or note carrying U+202E cannot
reorder what the reader sees, however it reached the database (an import, older data)."""

from django import template

from cse_portal.text import LINE_SEPARATORS, printable

register = template.Library()


@register.filter
def shown(value: object) -> str:
    """``value`` as text with its control, bidi and line-separator characters escaped
    (newlines kept)."""
    text = printable("" if value is None else str(value))
    return "".join(
        ch.encode("unicode_escape").decode() if ch in LINE_SEPARATORS else ch for ch in text
    )
