"""Organisation archives at size: export and import the large portfolio (10 years, 2,000
evidence items, their links carried forward, every history row) with 200 stored files.

Prints rows, files, the archive's size, the export's and the import's wall time and the
process's peak memory (the files are streamed; the tables of the import are read into
memory to be checked before anything is written). Asserts only that the round trip kept
the row count.
"""

import resource
import tempfile
import time
from io import StringIO
from pathlib import Path

from bench_portfolio import ITEMS, YEARS, fill
from harness import setup_django

FILES = 200
FILE_BYTES = 256 * 1024


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from accounts.models import User
    from archive.tables import owned, tables
    from evidence.models import Evidence
    from organisations.models import Organisation

    folder = Path(tempfile.mkdtemp(prefix="cse-bench-archive-"))
    settings.MEDIA_ROOT = folder / "media"
    lead = User.objects.create_user("bench@bench.test", "bench-password-1")
    fill("large", ITEMS, lead)
    org = Organisation.objects.get(slug="large")
    for number, item in enumerate(Evidence.objects.filter(organisation=org)[:FILES]):
        content = bytes([number % 256]) * (FILE_BYTES - 16) + f"{number:016d}".encode()
        item.kind = Evidence.Kind.FILE
        item.file.save("stored", ContentFile(content), save=False)
        item.size, item.sha256 = len(content), f"{number:064x}"
        item.save()
    rows = sum(owned(table, org.pk).count() for table in tables())

    path = folder / "large.zip"
    start = time.perf_counter()
    call_command("export_organisation", "large", str(path), stdout=StringIO())
    exported = time.perf_counter() - start
    memory_after_export = peak_mib()

    doomed = [(t.model, list(owned(t, org.pk).values_list("pk", flat=True))) for t in tables()]
    for model, pks in reversed(doomed):
        for begin in range(0, len(pks), 500):
            model._base_manager.filter(pk__in=pks[begin : begin + 500])._raw_delete("default")
    settings.MEDIA_ROOT = folder / "restored"

    start = time.perf_counter()
    call_command("import_organisation", str(path), stdout=StringIO())
    imported = time.perf_counter() - start
    restored = Organisation.objects.get(slug="large")
    rows_after = sum(owned(table, restored.pk).count() for table in tables())
    assert rows_after == rows, (rows, rows_after)

    print(
        f"{len(YEARS)} years, {ITEMS} items: {rows} rows in {len(tables())} tables, "
        f"{FILES} files of {FILE_BYTES // 1024} KiB"
    )
    print(f"archive {path.stat().st_size / 2**20:.1f} MiB")
    print(f"export  {exported:6.1f} s  (peak memory {memory_after_export:.0f} MiB)")
    print(f"import  {imported:6.1f} s  (peak memory {peak_mib():.0f} MiB)")


if __name__ == "__main__":
    main()
