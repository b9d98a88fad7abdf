"""What a load run does inside Django, in a process of its own pointed at the run's database
(``DATABASE_URL``): ``prepare`` (migrate, the standard, the demo organisation with its
history, the run's members), ``verify`` (every accepted write stored), ``reports`` (the state
of board report jobs) and ``sweep`` (send queued jobs whose message never reached the broker).
Reads a JSON payload on stdin, prints one JSON line.

    python bench/load/djangoside.py prepare <<< '{"users": [["lead", 3], ...]}'
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ORG = "demo"
YEAR = 2018
PASSWORD = "load-password-not-secret"
ROLE_NAMES = {"lead": "quality_lead", "assessor": "assessor", "board": "governing_body"}


def _quick_hasher():
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    class QuickPBKDF2(PBKDF2PasswordHasher):
        iterations = 1000

    return QuickPBKDF2


def __getattr__(name: str):
    if name == "QuickPBKDF2":  # made once Django is set up (the hashers module needs it)
        return _quick_hasher()
    raise AttributeError(name)


def prepare(payload: dict) -> dict:
    """The demo organisation (2014–2017 finalised, 2018 in assessor review, evidence and
    actions) and ``payload["users"]`` members: ``[[kind, count], …]`` with kind lead,
    assessor or board. Returns the people, the year's element refs and where to find them."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test.utils import override_settings

    from assessments.models import Assessment, ElementResult
    from demo.services import setup_demo
    from organisations import services as organisation_services
    from organisations.models import Role

    call_command("migrate", interactive=False, verbosity=0)
    # The demo's own people get a quick hash (PBKDF2 at 1,000 rounds, which the app still
    # reads): nobody signs in as them during a run, and the default costs ~0.5 s a person.
    quick = ["bench.load.djangoside.QuickPBKDF2", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=quick), open(os.devnull, "w") as quiet:
        setup_demo(stdout=quiet)
    organisation = organisation_services.find_organisation(ORG)
    people = []
    for kind, count in payload["users"]:
        for n in range(1, count + 1):
            email = f"{kind}{n}@load.test"
            organisation_services.add_member(
                organisation, email, Role(ROLE_NAMES[kind]), acting_user=None,
                full_name=f"Load {kind.title()} {n}",
            )  # fmt: skip
            people.append({"email": email, "kind": kind})
    # One password hash for every load user (PBKDF2 costs ~0.5 s a hash): the sign-in form
    # checks it as any other.
    get_user_model().objects.filter(email__endswith="@load.test").update(
        password=make_password(PASSWORD)
    )
    assessment = Assessment.objects.get(organisation=organisation, year=YEAR)
    assert assessment.status == Assessment.Status.ASSESSOR_REVIEW, assessment.status
    rows = (
        ElementResult.objects.filter(assessment=assessment)
        .order_by("element__position", "element__id")
        .values_list("element__ref", "self_rating", "rating")
    )
    refs = [ref for ref, _self, _mark in rows]
    # The ratings stored before the run (the demo's lead self-assessed it): each user's first
    # write of an element changes them too, so that every write has a history row.
    stored = {ref: {"self": own, "mark": mark} for ref, own, mark in rows}
    return {
        "org": ORG, "year": YEAR, "password": PASSWORD, "people": people, "refs": refs,
        "stored": stored,
    }  # fmt: skip


def _matches(record, fields: dict) -> bool:
    return all(getattr(record, name) == value for name, value in fields.items())


def _element_history(result) -> list:
    rows = result.history.order_by("history_date", "history_id").select_related("history_user")
    return list(rows)


def _row(row) -> dict:
    return {
        "at": row.history_date.isoformat(), "by": getattr(row.history_user, "email", None),
        "type": row.history_type, "self_rating": row.self_rating,
        "self_notes": row.self_notes[-12:], "rating": row.rating,
    }  # fmt: skip


def verify(payload: dict) -> dict:
    """Every accepted write stored. ``payload["writes"]``: one list per (person, field group,
    element), each write ``{"fields": {...}, "accepted": bool}`` in the order sent. Accepted
    writes must appear, in that order, among the element's history rows made by that person
    (a write not accepted may or may not be there; an accepted write of the value the last
    one found left has no row of its own: the service changed nothing); the stored row must
    hold the last accepted write's values, or those of a later write that was not accepted
    (one answered 503 or not at all may have been stored before the fault met it).
    ``payload["stored"]`` (prepare's): each element's ratings before the run, the value an
    accepted write may leave unchanged before any other of its series is found.
    ``payload["uploads"]``: ``{"id", "sha256", "size", "content" (hex), "ref"}`` each.
    Returns the lost writes, each with what was expected and what was found."""
    import hashlib

    from assessments.models import ElementResult
    from evidence.models import Evidence, EvidenceLink
    from organisations.models import Organisation

    organisation = Organisation.objects.get(slug=ORG)
    lost = []
    checked = 0
    for series in payload["writes"]:
        result = ElementResult.objects.get(
            assessment__organisation=organisation,
            assessment__year=YEAR,
            element__ref=series["ref"],
        )
        history = list(
            result.history.filter(history_user__email=series["email"]).order_by(
                "history_date", "history_id"
            )
        )
        position, matched = 0, None  # the history row of the last accepted write found
        field = {"self": "self_rating", "mark": "rating"}[series["group"]]
        before = payload.get("stored", {}).get(series["ref"], {}).get(series["group"])
        for write in series["writes"]:
            if not write["accepted"]:
                continue
            checked += 1
            # A write of the value stored already (before the run, or by the last accepted
            # write found; writes in between refused) changes nothing and has no history row
            # of its own: it takes none, or it would take a later write's.
            if matched is None and write["fields"] == {field: before}:
                continue
            if matched is not None and _matches(matched, write["fields"]):
                continue
            while position < len(history) and not _matches(history[position], write["fields"]):
                position += 1
            if position == len(history):
                lost.append({"where": f"{series['email']} {series['ref']}", "write": write,
                             "why": "no history row of this change",
                             # What there is, to tell a lost write from a misreading.
                             "history": [_row(row) for row in _element_history(result)],
                             "writes": series["writes"]})  # fmt: skip
                continue
            matched = history[position]
            position += 1
        accepted = [w for w in series["writes"] if w["accepted"]]
        if accepted:
            last = accepted[-1]
            later = series["writes"][series["writes"].index(last) + 1 :]
            if not any(_matches(result, w["fields"]) for w in [last, *later]):
                found = {name: getattr(result, name) for name in last["fields"]}
                lost.append({"where": f"{series['email']} {series['ref']}", "write": last,
                             "why": f"the stored row holds {found}"})  # fmt: skip
    for upload in payload["uploads"]:
        checked += 1
        item = Evidence.objects.filter(organisation=organisation, pk=upload["id"]).first()
        if item is None or not item.file:
            lost.append({"where": f"upload {upload['id']}", "why": "no evidence item with a file"})
            continue
        with item.file.open("rb") as handle:
            stored = handle.read()
        if stored != bytes.fromhex(upload["content"]):
            digest = hashlib.sha256(stored).hexdigest()
            lost.append(
                {"where": f"upload {upload['id']}", "why": f"stored bytes differ ({digest})"}
            )
            continue
        if not EvidenceLink.objects.filter(
            evidence=item, assessment__year=YEAR, element__ref=upload["ref"]
        ).exists():
            lost.append(
                {"where": f"upload {upload['id']}", "why": f"not linked to {upload['ref']}"}
            )
    return {"checked": checked, "lost": lost}


def reports(payload: dict) -> dict:
    """The state of board reports ``payload["ids"]`` (all of the organisation's when none
    given): status, error, pages, whether the file is there. With ``payload["wait"]``
    (seconds), once every one is done or failed, or when that time has passed."""
    import time

    from reports.models import BoardReport

    jobs = BoardReport.objects.filter(organisation__slug=ORG)
    if payload.get("ids") is not None:
        jobs = jobs.filter(pk__in=payload["ids"])
    deadline = time.monotonic() + payload.get("wait", 0)
    unfinished = [BoardReport.Status.QUEUED, BoardReport.Status.RENDERING]
    while jobs.filter(status__in=unfinished).exists() and time.monotonic() < deadline:
        time.sleep(1)
    answer = {}
    for job in jobs:
        has_file = bool(job.file) and job.file.storage.exists(job.file.name)
        answer[str(job.pk)] = {
            "status": job.status,
            "error": job.error,
            "pages": job.pages,
            "file": has_file,
            "sent": getattr(job, "sent_at", None) is not None,
        }
    return answer


def sweep(payload: dict) -> dict:
    """Send every queued job whose message never reached the broker, as the periodic sweep
    does (``reports.jobs.send_unsent``), as if its grace time had passed."""
    from django.utils import timezone

    from reports import jobs

    later = timezone.now() + timedelta(seconds=payload.get("after_seconds", 0))
    return {"sent": jobs.send_unsent(now=later)}


COMMANDS = {"prepare": prepare, "verify": verify, "reports": reports, "sweep": sweep}


def main() -> None:
    command = sys.argv[1]
    payload = json.loads(sys.stdin.read() or "{}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    import django

    django.setup()
    from organisations.tenancy import all_tenants

    with all_tenants("the load test prepares and verifies every organisation's data"):
        print(json.dumps(COMMANDS[command](payload), default=str))


if __name__ == "__main__":
    main()
