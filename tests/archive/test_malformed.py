"""Malformed archives never end in a traceback: bytes flipped anywhere in the zip, or any
JSON value put in any cell of any table (with the manifest made to fit, so the rows' checks
are what must answer). Each attempt either imports or is refused with ArchiveError, and is
rolled back before the next."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.archive import archives
from tests.archive.test_refusals import small_archive  # noqa: F401 (a fixture)

ATTEMPTS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples every run
    database=None,  # nothing written to .hypothesis/
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def attempt(path) -> None:
    """Import ``path``; a refusal is a CommandError with a message, never anything else.
    Whatever happened is rolled back."""
    with transaction.atomic():
        try:
            call_command("import_organisation", str(path), stdout=StringIO())
        except CommandError as refusal:
            assert str(refusal).strip()
        transaction.set_rollback(True)


@ATTEMPTS
@given(
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=4
    )
)
def test_bytes_flipped_anywhere(small_archive, tmp_path, flips):  # noqa: F811
    data = bytearray(small_archive.read_bytes())
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    path = tmp_path / "flipped.zip"
    path.write_bytes(bytes(data))
    attempt(path)


@ATTEMPTS
@given(data=st.data())
def test_any_value_in_any_cell(small_archive, tmp_path, data):  # noqa: F811
    content = archives.members(small_archive)
    tables = sorted(
        name for name in content if name.startswith("tables/") and json.loads(content[name])["rows"]
    )
    name = data.draw(st.sampled_from(tables))
    document = json.loads(content[name])
    row = data.draw(st.sampled_from(document["rows"]))
    row[data.draw(st.integers(0, len(row) - 1))] = data.draw(json_values)
    content[name] = json.dumps(document).encode()
    attempt(archives.write(tmp_path / "cell.zip", archives.rehash(content)))


@ATTEMPTS
@given(data=st.data())
def test_any_value_in_the_manifest_or_people(small_archive, tmp_path, data):  # noqa: F811
    content = archives.members(small_archive)
    name = data.draw(st.sampled_from(["manifest.json", "people.json"]))
    document = json.loads(content[name])
    key = data.draw(st.sampled_from(sorted(document)))
    document[key] = data.draw(json_values)
    content[name] = json.dumps(document).encode()
    if name == "people.json":
        content = archives.rehash(content)
    attempt(archives.write(tmp_path / "doc.zip", content))


@pytest.mark.parametrize(
    "document",
    [
        b"[]",
        b"null",
        b'"text"',
        b"{}",
        b'{"model": 3}',
        b'{"model": "evidence.evidence"}',
        b'{"model": "evidence.evidence", "columns": [1, 2], "rows": []}',
        b'{"model": "evidence.evidence", "columns": [], "rows": 5}',
        b"[" * 100000 + b"]" * 100000,
    ],
)
def test_a_table_that_is_not_one(small_archive, tmp_path, document):  # noqa: F811
    content = archives.members(small_archive)
    content["tables/evidence.evidence.json"] = document
    attempt(archives.write(tmp_path / "t.zip", archives.rehash(content)))
