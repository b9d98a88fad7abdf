"""One rule for the text people type into names, titles and addresses.

A name with a newline breaks email headers; a bidirectional override (U+202E) shows a link
address reversed; a NUL byte is refused by PostgreSQL. Single-line fields therefore refuse
every control character (Unicode category Cc), bidirectional embedding, override and isolate
character, and the line and paragraph separators. Multi-line fields (notes, descriptions)
keep tabs and newlines and refuse the rest.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Embeddings, overrides and isolates: they reorder the text shown around them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")
MULTILINE_ALLOWED = frozenset("\t\n\r")


def unsafe_characters(value: str, multiline: bool = False) -> list[str]:
    """The characters of ``value`` that the rule refuses, each once, in order."""
    found: list[str] = []
    for ch in value:
        if multiline and ch in MULTILINE_ALLOWED:
            continue
        unsafe = unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS or ch in LINE_SEPARATORS
        if unsafe and ch not in found:
            found.append(ch)
    return found


def describe(characters: list[str]) -> str:
    return ", ".join(f"U+{ord(ch):04X}" for ch in characters)


@deconstructible
class PlainTextValidator:
    """Refuses control and bidirectional-override characters, naming them."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        bad = unsafe_characters(str(value), multiline=self.multiline)
        if bad:
            raise ValidationError(
                "Remove the invisible control characters (%(chars)s): they would change how "
                "the text is shown or sent.",
                code="control_characters",
                params={"chars": describe(bad)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextValidator) and other.multiline == self.multiline


single_line = PlainTextValidator()
multi_line = PlainTextValidator(multiline=True)


def printable(value: str) -> str:
    """``value`` with every control character shown as an escape: for terminal output of text
    that came from a file (an ESC must not reach the terminal)."""
    return "".join(
        ch
        if ch == "\n" or not (unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS)
        else ch.encode("unicode_escape").decode("ascii")
        for ch in value
    )
