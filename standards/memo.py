"""What pages read of a standard, read once per process.

A standard (its criteria, sub-criteria and elements) is fixture data that does not change at
run time (``loaddata cse_standard``), yet the years list, the dashboard and the progression
page each joined it again on every request. ``per_standard`` keeps what a caller builds from
one standard, keyed on the standard's id and the caller's name, for the life of the process.

It holds nothing of any organisation: only the standard's own rows, which every organisation
reads alike. Any save or delete of a standard, criterion, sub-criterion or element in this
process forgets everything kept (connected in ``StandardsConfig.ready``), so a test that
builds its own standard (whose id may be one a rolled-back test used before) reads it fresh.
A standard changed by another process (a new fixture loaded) is read again after a restart,
as a deploy does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_kept: dict[tuple[str, int], object] = {}


def per_standard(name: str, standard_id: int, build: Callable[[int], T]) -> T:
    """``build(standard_id)``, built once per process for each ``name`` and standard."""
    key = (name, standard_id)
    try:
        return _kept[key]  # type: ignore[return-value]
    except KeyError:
        value = _kept[key] = build(standard_id)
        return value


def forget(**_kwargs: object) -> None:
    """Forget everything kept (a receiver of the standards' models' save and delete)."""
    _kept.clear()
