"""``import_annex_one`` and ``export_annex_one``: the seed chart in and out, all or nothing."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.figures import year_figures
from assessments.models import Assessment, ElementResult
from reports.annex_one import Cell, parse_annex_one
from reports.progression import annex_one_rows
from reports.services import apply_annex_one
from standards import memo
from standards.models import Element
from tests.factories import AssessmentFactory, UserFactory

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "fixtures" / "demo" / "annex_one_2014_2018.csv"
SEED_TEXT = SEED.read_text(encoding="utf-8")

# The figures the seed chart gives, counted over the 57 elements (sub-elements excluded).
# Checked by hand against the CSV and against fixtures/cse_standard.SOURCE.md:
# - 2018: the chart's own figures exactly — CP 14, C 40, PC 3, NC 0; sampled 4+4+4+5+4 = 21.
#   (The paper's prose says 15 CP and its total row says 22 sampled; the chart, which the
#   CSV copies cell for cell, gives 14 and 21.)
# - 2015: sampled C2 6 and C4 5 where the paper's table says 5 and 6 (the total, 25, agrees);
#   5.2.5 is empty in 2015, so 56 of the 57 are rated.
# - 2016: 5.2.5 is a bare "X" (sampled, not rated). 2017: 2.2.3, 3.2.3, 3.2.4 and 3.3.3 are
#   bare "X", and criterion 1 has 2 sampled where the paper says 3.
# - 2014: the initial assessment samples nothing.
SEED_FIGURES = [
    "2014: CP 0, C 50, PC 7, NC 0 (of 57 elements); sampled 0 (C1 0, C2 0, C3 0, C4 0, C5 0)",
    "2015: CP 7, C 45, PC 4, NC 0 (of 57 elements, 1 not rated); "
    "sampled 25 (C1 5, C2 6, C3 4, C4 5, C5 5)",
    "2016: CP 10, C 43, PC 3, NC 0 (of 57 elements, 1 not rated); "
    "sampled 19 (C1 4, C2 4, C3 4, C4 4, C5 3)",
    "2017: CP 12, C 38, PC 3, NC 0 (of 57 elements, 4 not rated); "
    "sampled 18 (C1 2, C2 3, C3 4, C4 5, C5 4)",
    "2018: CP 14, C 40, PC 3, NC 0 (of 57 elements); sampled 21 (C1 4, C2 4, C3 4, C4 5, C5 4)",
]


def import_file(organisation, path, *extra) -> str:
    out = io.StringIO()
    call_command("import_annex_one", "--org", organisation.slug, str(path), *extra, stdout=out)
    return out.getvalue()


def failed_import(slug: str, path) -> tuple[str, str]:
    """(the CommandError's message, stderr) of an import that must fail."""
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_annex_one", "--org", slug, str(path), stdout=io.StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


def export(organisation, *extra) -> str:
    out = io.StringIO()
    call_command("export_annex_one", "--org", organisation.slug, *extra, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "annex.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def known_refs() -> set[str]:
    return set(Element.objects.values_list("ref", flat=True))


def cells_of(text: str) -> tuple[tuple[int, ...], dict[str, tuple[Cell, ...]]]:
    table = parse_annex_one(text, known_refs())
    return table.years, table.rows


def snapshot() -> dict[str, object]:
    """Everything an import may write, to show that a refused one wrote nothing."""
    return {
        "assessments": list(Assessment.objects.order_by("pk").values()),
        "results": list(ElementResult.objects.order_by("pk").values()),
        "assessment history": Assessment.history.count(),
        "result history": ElementResult.history.count(),
    }


def with_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


# -- the seed file ----------------------------------------------------------------------------


def test_seed_import_creates_five_years_of_72_results(cse_standard, org):
    import_file(org, SEED)
    years = list(Assessment.objects.for_org(org).order_by("year"))
    assert [(a.year, a.kind) for a in years] == [
        (2014, Assessment.Kind.INITIAL),
        (2015, Assessment.Kind.ANNUAL_REVIEW),
        (2016, Assessment.Kind.ANNUAL_REVIEW),
        (2017, Assessment.Kind.ANNUAL_REVIEW),
        (2018, Assessment.Kind.ANNUAL_REVIEW),
    ]
    assert all(a.standard == cse_standard for a in years)
    assert all(a.status == Assessment.Status.SELF_ASSESSMENT for a in years)
    for assessment in years:
        assert assessment.results.count() == 72
    result = ElementResult.objects.get(assessment__year=2018, element__ref="1.1.1")
    assert (result.rating, result.sampled, result.carried_forward) == ("CP", True, False)
    bare_x = ElementResult.objects.get(assessment__year=2016, element__ref="5.2.5")
    assert (bare_x.rating, bare_x.sampled) == ("", True)


def test_seed_import_prints_each_years_figures(cse_standard, org):
    out = import_file(org, SEED).splitlines()
    assert out[0] == (
        f"Imported {SEED} into Acme Care: 5 assessments created, "
        "360 results created, 0 results changed."
    )
    assert out[1:] == SEED_FIGURES
    # The two years the issue pins, spelled out.
    assert "2018: CP 14, C 40, PC 3, NC 0 (of 57 elements); " in out[5]
    assert out[5].endswith("sampled 21 (C1 4, C2 4, C3 4, C4 5, C5 4)")
    assert out[2].startswith("2015: CP 7, C 45, PC 4, NC 0")
    assert out[2].endswith("sampled 25 (C1 5, C2 6, C3 4, C4 5, C5 5)")


def test_reimport_changes_nothing(cse_standard, org):
    import_file(org, SEED)
    before = snapshot()
    out = import_file(org, SEED).splitlines()
    assert out[0] == f"Nothing changed: Acme Care already matches {SEED}."
    assert out[1:] == SEED_FIGURES
    assert snapshot() == before


def test_a_changed_cell_is_written_once_with_its_history(cse_standard, org, tmp_path):
    import_file(org, SEED)
    assessor = UserFactory(email="assessor@example.test")
    history_before = ElementResult.history.count()
    changed = with_line(SEED_TEXT, 2, "1.1.1,C,X CP,CP,CP,X C")  # 2018: X CP → X C
    out = import_file(org, write(tmp_path, changed), "--user", "Assessor@Example.test")
    assert "0 assessments created, 0 results created, 1 result changed." in out
    assert "2018: CP 13, C 41, PC 3, NC 0" in out
    assert ElementResult.history.count() == history_before + 1
    result = ElementResult.objects.get(assessment__year=2018, element__ref="1.1.1")
    assert (result.rating, result.updated_by) == ("C", assessor)
    latest, previous = result.history.order_by("-history_id")[:2]
    assert (latest.rating, latest.history_type, latest.history_user) == ("C", "~", assessor)
    assert latest.history_change_reason == "Annex One import"
    assert previous.rating == "CP"


def test_apply_records_the_acting_user_on_created_rows(cse_standard, org):
    user = UserFactory()
    table = parse_annex_one("ref,2020\n1.1.1,X NC\n", known_refs())
    summary = apply_annex_one(org, table, acting_user=user)
    assert (summary.assessments_created, summary.results_created, summary.results_changed) == (
        1,
        72,
        0,
    )
    assessment = Assessment.objects.get(organisation=org, year=2020)
    assert assessment.history.get().history_user == user
    result = assessment.results.get(element__ref="1.1.1")
    assert (result.rating, result.sampled, result.updated_by) == ("NC", True, user)
    assert result.history.get().history_user == user
    assert not apply_annex_one(org, table, acting_user=user).changed_anything


def test_refs_missing_from_the_file_are_left_alone(cse_standard, org, tmp_path):
    import_file(org, SEED)
    import_file(org, write(tmp_path, "ref,2018\n1.1.1,NC\n"))
    assert ElementResult.objects.get(assessment__year=2018, element__ref="1.1.1").rating == "NC"
    assert ElementResult.objects.get(assessment__year=2018, element__ref="1.1.2").rating == "CP"
    assert ElementResult.objects.get(assessment__year=2017, element__ref="1.1.1").rating == "CP"


def test_a_carried_forward_rating_becomes_the_files_mark(cse_standard, org, tmp_path):
    import_file(org, SEED)
    result = ElementResult.objects.get(assessment__year=2018, element__ref="1.1.1")
    result.carried_forward = True
    result.save()
    out = import_file(org, SEED)
    assert "1 result changed" in out
    result.refresh_from_db()
    assert (result.rating, result.carried_forward) == ("CP", False)


def test_an_existing_year_keeps_its_kind_and_status(cse_standard, org, tmp_path):
    AssessmentFactory(organisation=org, standard=cse_standard, year=2013)
    review = AssessmentFactory(
        organisation=org,
        standard=cse_standard,
        year=2016,
        kind=Assessment.Kind.REASSESSMENT,
        status=Assessment.Status.ASSESSOR_REVIEW,
    )
    out = import_file(org, SEED)
    assert "4 assessments created, 360 results created" in out
    kinds = dict(Assessment.objects.for_org(org).values_list("year", "kind"))
    # 2013 came first, so 2014 is an annual review, not the initial assessment.
    assert kinds[2014] == Assessment.Kind.ANNUAL_REVIEW
    review.refresh_from_db()
    assert (review.kind, review.status) == ("reassessment", "assessor_review")
    assert review.results.count() == 72


def test_a_finalised_year_is_not_changed(cse_standard, org, tmp_path):
    import_file(org, SEED)
    Assessment.objects.filter(organisation=org, year=2017).update(
        status=Assessment.Status.FINALISED
    )
    assert "Nothing changed" in import_file(org, SEED)  # the same marks: nothing to refuse
    before = snapshot()
    changed = with_line(SEED_TEXT, 2, "1.1.1,C,X CP,CP,NC,NC")  # 2017 and 2018 change
    message, stderr = failed_import(org.slug, write(tmp_path, changed))
    assert message == f"1 problem in {tmp_path / 'annex.csv'}: nothing was imported."
    assert "line 1, column E (2017): the 2017 assessment is finalised" in stderr
    assert snapshot() == before


# -- round trips ------------------------------------------------------------------------------


def test_import_then_export_gives_back_the_seed_file(cse_standard, org, tmp_path):
    import_file(org, SEED)
    exported = export(org)
    assert cells_of(exported) == cells_of(SEED_TEXT)
    assert exported.encode() == SEED.read_bytes()
    output = tmp_path / "out.csv"
    assert "Wrote 72 rows × 5 years" in export(org, "--output", str(output))
    assert output.read_bytes() == SEED.read_bytes()


def test_an_excel_saved_file_round_trips_to_the_same_cells(cse_standard, org, tmp_path):
    excel = SEED_TEXT.replace("\n", "\r\n").encode("utf-8-sig")
    assert excel.startswith(b"\xef\xbb\xbf") and b"\r\n" in excel
    import_file(org, write(tmp_path, excel))
    assert cells_of(export(org)) == cells_of(SEED_TEXT)
    assert "Nothing changed" in import_file(org, SEED)


def test_untidy_cells_are_exported_tidy(cse_standard, org, tmp_path):
    import_file(org, write(tmp_path, "REF , 2018\n 1.1.1 ,x  cp\n1.1.2, c \n"))
    lines = export(org).splitlines()
    assert lines[:3] == ["ref,2018", "1.1.1,X CP", "1.1.2,C"]
    assert len(lines) == 73  # every element and sub-element of the year, most of them empty


def test_export_of_an_organisation_without_assessments_is_the_header(org):
    assert export(org) == "ref\n"
    assert export(org, "--output", "-") == "ref\n"


def test_export_rows_come_in_one_query(cse_standard, org, django_assert_num_queries):
    import_file(org, SEED)
    # 1. the organisation's years  2. every result joined to its element and assessment
    with django_assert_num_queries(2):
        years, rows = annex_one_rows(org)
    assert years == [2014, 2015, 2016, 2017, 2018]
    assert list(rows) == list(
        Element.objects.filter(standard=cse_standard)
        .order_by("position")
        .values_list("ref", flat=True)
    )


def test_year_figures_come_in_two_queries(cse_standard, org, django_assert_num_queries):
    import_file(org, SEED)
    assessments = list(Assessment.objects.for_org(org))
    memo.forget()
    # 1. the standards' elements and criteria  2. the years' results (figures.result_rows)
    with django_assert_num_queries(2):
        figures = year_figures(assessments)
    assert [figures[a.pk].summary() for a in assessments] == SEED_FIGURES
    with django_assert_num_queries(1):  # the standard's elements are kept (standards.memo)
        assert year_figures(assessments) == figures


# -- bad files: reported with line and column, nothing written --------------------------------

NEXT_YEAR_PLUS_2 = str(date.today().year + 2)

BAD_FILES = {
    "bad ref": (
        with_line(SEED_TEXT, 7, "1.2.9,C,C,C,C,C"),
        'line 7, column A (ref): "1.2.9" is not an element or sub-element of the standard',
    ),
    "bad rating": (
        with_line(SEED_TEXT, 7, "1.2.3,C,X CQ,C,C,C"),
        'line 7, column C (2015): "X CQ" is not a rating — use CP, C, PC or NC, optionally after X',
    ),
    "bad year": (
        SEED_TEXT.replace("ref,2014,", "ref,14,", 1),
        'line 1, column B: "14" is not a year',
    ),
    "future year": (
        SEED_TEXT.replace(",2018\n", f",{NEXT_YEAR_PLUS_2}\n", 1),
        f'line 1, column F: "{NEXT_YEAR_PLUS_2}" is not a year',
    ),
    "duplicate year column": (
        SEED_TEXT.replace("2015,2016", "2015,2015", 1),
        "line 1, column D: 2015 appears again — it is already column C",
    ),
    "duplicate ref row": (
        with_line(SEED_TEXT, 4, "1.1.1,C,CP,CP,X CP,CP"),
        'line 4, column A (ref): "1.1.1" appears again — it is already on line 2',
    ),
    "too many cells": (
        with_line(SEED_TEXT, 10, "1.3.3,PC,X C,C,X C,C,C"),
        'line 10, column G: "C" is beyond the last column of the header',
    ),
    "empty file": (b"", "line 1, column A: the file is empty"),
    "header only": ("ref,2014,2015,2016,2017,2018\n", "line 2, column A: there are no rows"),
    "not UTF-8": (
        with_line(SEED_TEXT, 3, "1.1.2,C,C,X CP,CP,CP\u00e9").encode("latin-1"),
        "line 3, column F: the file is not UTF-8 text (byte 0xE9)",
    ),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_whole(cse_standard, org, tmp_path, content, expected):
    path = write(tmp_path, content)
    before = snapshot()
    message, stderr = failed_import(org.slug, path)
    assert message == f"1 problem in {path}: nothing was imported."
    assert stderr.startswith(f"{path}: {expected}")
    assert len(stderr.splitlines()) == 1
    assert snapshot() == before


def test_a_bad_file_changes_nothing_already_there(cse_standard, org, tmp_path):
    import_file(org, SEED)
    before = snapshot()
    bad = with_line(SEED_TEXT, 2, "1.1.1,NC,NC,NC,NC,NC") + "9.9.9,C,C,C,C,Q\n"
    message, stderr = failed_import(org.slug, write(tmp_path, bad))
    assert message.startswith("2 problems in ")
    assert stderr.splitlines() == [
        f'{tmp_path / "annex.csv"}: line 74, column A (ref): "9.9.9" is not an element or '
        "sub-element of the standard",
        f'{tmp_path / "annex.csv"}: line 74, column F (2018): "Q" is not a rating — use CP, C, '
        "PC or NC, optionally after X",
    ]
    assert snapshot() == before


def test_an_unknown_organisation(cse_standard):
    with pytest.raises(CommandError, match='no organisation with the slug "nowhere"'):
        call_command("import_annex_one", "--org", "nowhere", str(SEED))
    with pytest.raises(CommandError, match='no organisation with the slug "nowhere"'):
        call_command("export_annex_one", "--org", "nowhere")


def test_an_unknown_user(cse_standard, org):
    with pytest.raises(CommandError, match="no user with the email address"):
        call_command("import_annex_one", "--org", org.slug, "--user", "nobody@x.test", str(SEED))
    assert not Assessment.objects.exists()


def test_the_standard_must_be_loaded(org, no_standard):
    message, _ = failed_import(org.slug, SEED)
    assert message == (
        "The CSE standard is not loaded: run `python manage.py loaddata cse_standard` first."
    )
    assert not Assessment.objects.exists()


def test_a_missing_file(cse_standard, org, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nothing.csv"):
        call_command("import_annex_one", "--org", org.slug, str(tmp_path / "nothing.csv"))


# -- tenancy ----------------------------------------------------------------------------------


def test_an_import_into_one_organisation_never_touches_another(
    cse_standard, org, other_org, tmp_path
):
    import_file(org, SEED)
    before = list(ElementResult.objects.filter(assessment__organisation=org).values())
    out = import_file(other_org, write(tmp_path, "ref,2018,2019\n1.1.1,NC,X PC\n"))
    assert "2 assessments created, 144 results created" in out
    assert list(ElementResult.objects.filter(assessment__organisation=org).values()) == before
    assert Assessment.objects.get(organisation=other_org, year=2018).kind == "initial"
    exported = export(other_org)
    assert exported.startswith("ref,2018,2019\n1.1.1,NC,X PC\n1.1.2,,\n")
    assert "2014" not in exported and "CP" not in exported
    assert export(org).encode() == SEED.read_bytes()


# -- the real command line --------------------------------------------------------------------


def test_the_command_line_exits_non_zero_on_a_bad_file(tmp_path):
    """Run manage.py as an operator would, on a database of its own."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "--verbosity", "0").returncode == 0
    assert manage("loaddata", "cse_standard", "--verbosity", "0").returncode == 0
    shell = "from organisations.models import Organisation as O; O.objects.create(slug='cli')"
    assert manage("shell", "-c", shell).returncode == 0

    bad = write(tmp_path, with_line(SEED_TEXT, 7, "1.2.3,C,X CQ,C,C,C"))
    run = manage("import_annex_one", "--org", "cli", str(bad))
    assert run.returncode == 1
    assert f'{bad}: line 7, column C (2015): "X CQ" is not a rating' in run.stderr
    assert "Traceback" not in run.stderr

    latin1 = write(tmp_path, "ref,2014\n1.1.1,Caf\u00e9\n".encode("latin-1"), "latin1.csv")
    run = manage("import_annex_one", "--org", "cli", str(latin1))
    assert run.returncode == 1
    assert "line 2, column B: the file is not UTF-8 text" in run.stderr
    assert "Traceback" not in run.stderr

    run = manage("import_annex_one", "--org", "cli", str(SEED))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == SEED_FIGURES
    run = manage("export_annex_one", "--org", "cli")
    assert run.stdout == SEED_TEXT


# -- terminal escape codes from the file or the arguments are shown escaped ------------------


def test_an_escape_code_in_a_cell_is_shown_escaped(cse_standard, org, tmp_path):
    """A cell holding ESC [2J (clear the screen) must not reach the operator's terminal."""
    path = write(tmp_path, with_line(SEED_TEXT, 7, "1.2.3,C,X \x1b[2J\x1b]0;owned\x07,C,C,C"))
    message, stderr = failed_import(org.slug, path)
    assert "\x1b" not in stderr and "\x07" not in stderr
    assert "\x1b" not in message
    assert "line 7, column C (2015)" in stderr
    assert "\\x1b[2J" in stderr  # shown, escaped, so the operator sees what is in the file


def test_an_escape_code_in_the_header_or_a_ref_is_shown_escaped(cse_standard, org, tmp_path):
    path = write(tmp_path, "ref,20\x1b[31m14\n1.1.\x1b[0m1,C\n")
    message, stderr = failed_import(org.slug, path)
    assert "\x1b" not in stderr
    assert stderr.count("\\x1b[") == 2


def test_an_escape_code_in_the_file_name_is_shown_escaped(cse_standard, org, tmp_path):
    path = write(tmp_path, "ref,2014\n9.9.9,C\n", name="bad\x1b[2J.csv")
    message, stderr = failed_import(org.slug, path)
    assert "\x1b" not in stderr and "\x1b" not in message
    with pytest.raises(CommandError) as caught:
        call_command("import_annex_one", "--org", org.slug, str(tmp_path / "no\x1b[2J.csv"))
    assert "\x1b" not in str(caught.value) and "Cannot read" in str(caught.value)


@pytest.mark.parametrize("command", ["import_annex_one", "export_annex_one"])
@pytest.mark.parametrize("slug", ["no\x1b[2Jwhere", "a\x00b", "x" * 300])
def test_odd_organisation_slugs_are_a_clear_error(cse_standard, command, slug):
    args = ["--org", slug] + ([str(SEED)] if command == "import_annex_one" else [])
    with pytest.raises(CommandError, match="no organisation with the slug") as caught:
        call_command(command, *args, stdout=io.StringIO())
    assert "\x1b" not in str(caught.value) and "\x00" not in str(caught.value)


@pytest.mark.parametrize("email", ["no\x1b[2Jbody@x.test", "a\x00b@x.test", "a" * 300 + "@x.test"])
def test_odd_user_addresses_are_a_clear_error(cse_standard, org, email):
    with pytest.raises(CommandError, match="no user with the email address") as caught:
        call_command("import_annex_one", "--org", org.slug, "--user", email, str(SEED))
    assert "\x1b" not in str(caught.value) and "\x00" not in str(caught.value)
    assert not Assessment.objects.exists()


def test_an_unwritable_export_path_is_shown_escaped(cse_standard, org, tmp_path):
    with pytest.raises(CommandError, match="Cannot write") as caught:
        call_command("export_annex_one", "--org", org.slug, "--output",
                     str(tmp_path / "missing\x1b[2J" / "out.csv"))  # fmt: skip
    assert "\x1b" not in str(caught.value)
