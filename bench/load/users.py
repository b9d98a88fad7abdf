"""Simulated users: one thread and one ``requests.Session`` each, signed in through the real
sign-in form (CSRF cookie and token), then a read-mostly mix of the main pages and the
writes of their role until the run's end:

- quality leads save self-ratings (a grid row's HTMX save, and the element page's form with
  notes) and upload small evidence files (the uploader's JSON post, linked to an element);
- assessors mark (the grid's HTMX save and the element page's form, with the version field);
- board members read the dashboard, the progression page and the board reports, and a few
  ask for a board report (``reports`` in all, shared among them).

Each writer has elements of its own, so the final value of each is known. Every request is
recorded with its kind, status and time; every write with whether it was accepted (answered
2xx or 3xx), so the database can be checked afterwards.
"""

import hashlib
import itertools
import random
import re
import threading
import time
from dataclasses import dataclass, field

import requests

RATINGS = ["CP", "C", "PC", "NC"]
VERSION = re.compile(rb'name="version" value="(\d+)"')
REPORT_ID = re.compile(r"#report-(\d+)$")


def signed_in_session(base_url: str, email: str, password: str) -> requests.Session:
    """A session signed in through the sign-in form (its CSRF cookie sent back as the token);
    posts with it need ``csrf_headers(session)``."""
    session = requests.Session()
    session.get(base_url + "/accounts/login/", timeout=30)
    response = session.post(
        base_url + "/accounts/login/",
        data={"username": email, "password": password},
        headers=csrf_headers(session),
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302 or "/accounts/login/" in response.headers.get("Location", ""):
        raise RuntimeError(f"{email} could not sign in: {response.status_code}")
    return session


def csrf_headers(session: requests.Session) -> dict:
    return {"X-CSRFToken": session.cookies.get("csrftoken", "")}


@dataclass
class Sample:
    kind: str
    status: int  # 0: no answer (connection refused, reset or timed out)
    ms: float
    at: float
    cache: str = ""  # the page cache's X-Page-Cache: "hit" (the kept answer), "miss" or ""


@dataclass
class Series:
    """The writes of one person to one element's field group, in the order sent."""

    email: str
    ref: str
    group: str  # "self" or "mark"
    writes: list = field(default_factory=list)
    last_sent: str | None = None
    version: int | None = None

    def as_json(self) -> dict:
        return {"email": self.email, "ref": self.ref, "group": self.group, "writes": self.writes}


class Budget:
    """A count shared by threads (the board reports still to ask for)."""

    def __init__(self, count: int):
        self.count = count
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.count <= 0:
                return False
            self.count -= 1
            return True


class User(threading.Thread):
    """One simulated person. ``start_at`` / ``stop_at`` are ``time.monotonic()`` values."""

    def __init__(self, run, person: dict, refs: list[str], seed: int):
        super().__init__(daemon=True, name=person["email"])
        self.run_ = run
        self.email = person["email"]
        self.kind = person["kind"]
        self.refs = refs  # the elements this person writes (empty for board members)
        self.random = random.Random(seed)
        self.session = requests.Session()
        self.samples: list[Sample] = []
        self.series: dict[tuple[str, str], Series] = {}
        self.uploads: list[dict] = []
        self.reports: list[int] = []
        self.signed_in = False
        self.steps = -1
        self.counter = itertools.count(1)
        self.error: str | None = None
        org, year = run.org, run.year
        self.urls = {
            "dashboard": f"/o/{org}/",
            "years": f"/o/{org}/assessments/",
            "grid": f"/o/{org}/assessments/{year}/",
            "library": f"/o/{org}/evidence/",
            "progression": f"/o/{org}/progression/",
            "board-reports": f"/o/{org}/progression/board-reports/",
            "report-status": f"/o/{org}/progression/board-reports/status/",
            "summaries": f"/o/{org}/assessments/{year}/summaries/",
            "assessor-home": "/",
        }

    # -- HTTP ----------------------------------------------------------------------------------

    def request(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        headers = kwargs.pop("headers", {})
        if method == "POST":
            headers.update(csrf_headers(self.session))
        start = time.perf_counter()
        try:
            response = self.session.request(
                method, self.run_.base_url + path, headers=headers, allow_redirects=False,
                timeout=self.run_.timeout, **kwargs,
            )  # fmt: skip
        except requests.RequestException:
            response = None
        ms = (time.perf_counter() - start) * 1000
        status = response.status_code if response is not None else 0
        cache = response.headers.get("X-Page-Cache", "") if response is not None else ""
        self.samples.append(Sample(kind, status, ms, time.monotonic(), cache))
        return response

    @staticmethod
    def accepted(response: requests.Response | None) -> bool:
        return response is not None and 200 <= response.status_code < 400

    def sign_in(self) -> None:
        self.request("sign-in", "GET", "/accounts/login/")
        response = self.request(
            "sign-in", "POST", "/accounts/login/",
            data={"username": self.email, "password": self.run_.password},
        )  # fmt: skip
        location = response.headers.get("Location", "") if response is not None else ""
        self.signed_in = (
            response is not None
            and response.status_code == 302
            and ("/accounts/login/" not in location)
        )

    # -- reads ---------------------------------------------------------------------------------

    READS = {
        "lead": ["dashboard", "years", "grid", "element", "element", "library", "progression",
                 "board-reports"],
        "assessor": ["assessor-home", "grid", "grid", "element", "element", "summaries",
                     "progression", "dashboard"],
        "board": ["dashboard", "progression", "progression", "board-reports", "report-status",
                  "years", "grid", "element"],
    }  # fmt: skip

    def read(self) -> None:
        page = self.random.choice(self.READS[self.kind])
        if page == "element":
            ref = self.random.choice(self.run_.refs)
            self.request("read:element", "GET", self.element_url(ref))
        else:
            headers = {"HX-Request": "true"} if page == "report-status" else {}
            self.request(f"read:{page}", "GET", self.urls[page], headers=headers)

    def element_url(self, ref: str) -> str:
        return f"/o/{self.run_.org}/assessments/{self.run_.year}/elements/{ref}/"

    # -- writes --------------------------------------------------------------------------------

    def _series(self, ref: str, group: str) -> Series:
        key = (ref, group)
        if key not in self.series:
            # Starting from what is stored, so that the first write changes it too.
            stored = self.run_.stored.get(ref, {}).get(group) or None
            self.series[key] = Series(self.email, ref, group, last_sent=stored)
        return self.series[key]

    def _new_rating(self, series: Series) -> str:
        """A rating other than the one last sent, so every write changes the row."""
        return self.random.choice([r for r in RATINGS if r != series.last_sent])

    def save_self_rating(self) -> None:
        ref = self.random.choice(self.refs)
        series = self._series(ref, "self")
        rating = self._new_rating(series)
        n = next(self.counter)
        url = self.element_url(ref) + "self/"
        if self.random.random() < 0.5:
            fields = {"self_rating": rating}
            response = self.request(
                "write:self-grid", "POST", url, data={**fields, "layout": "grid"},
                headers={"HX-Request": "true"},
            )  # fmt: skip
        else:
            fields = {"self_rating": rating, "self_notes": f"Load run note {self.email} #{n}"}
            response = self.request(
                "write:self-element", "POST", url, data={**fields, "layout": "element"}
            )
        series.last_sent = rating
        series.writes.append({"fields": fields, "accepted": self.accepted(response), "n": n})

    def _mark_version(self, series: Series) -> int | None:
        if series.version is None:
            response = self.request("read:element", "GET", self.element_url(series.ref))
            found = VERSION.search(response.content) if self.accepted(response) else None
            series.version = int(found.group(1)) if found else None
        return series.version

    def mark(self) -> None:
        ref = self.random.choice(self.refs)
        series = self._series(ref, "mark")
        version = self._mark_version(series)
        if version is None:
            return
        rating = self._new_rating(series)
        n = next(self.counter)
        fields = {"rating": rating, "comment": f"Load run mark {self.email} #{n}"}
        url = self.element_url(ref) + "mark/"
        data = {**fields, "version": str(version)}
        if self.random.random() < 0.5:
            response = self.request(
                "write:mark-grid", "POST", url, data={**data, "layout": "grid"},
                headers={"HX-Request": "true"},
            )  # fmt: skip
        else:
            response = self.request("write:mark-element", "POST", url, data=data)
        accepted = self.accepted(response)
        series.last_sent = rating
        series.writes.append({"fields": fields, "accepted": accepted, "n": n})
        # Every save adds one to the version; anything else: read it again before the next.
        series.version = version + 1 if accepted else None

    def upload(self) -> None:
        ref = self.random.choice(self.refs)
        n = next(self.counter)
        line = f"Load run evidence from {self.email}, #{n}, {self.random.getrandbits(64):x}.\n"
        content = (line * self.random.randint(5, 60)).encode()
        response = self.request(
            "write:upload", "POST", f"/o/{self.run_.org}/evidence/upload/",
            data={"year": str(self.run_.year), "ref": ref},
            files={"files": (f"load-{n}.txt", content, "text/plain")},
            headers={"Accept": "application/json"},
        )  # fmt: skip
        if not self.accepted(response):
            return
        try:
            item_id = response.json()["id"]
        except (ValueError, KeyError):
            item_id = None
        self.uploads.append({
            "id": item_id, "ref": ref, "content": content.hex(), "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        })  # fmt: skip

    def ask_for_report(self) -> None:
        response = self.request(
            "write:report", "POST", f"/o/{self.run_.org}/progression/board-reports/new/",
            data={
                "year": str(self.run_.year), "meeting": "Board of Directors (load run)",
                "meeting_date": "2026-12-01", "author": f"{self.email}, quality lead",
                "sponsor": "Chair", "purpose": "information", "assurance": "reasonable",
                "recommendation": "The Board is asked to note the report.", "risks": "",
                "equality_impact": "", "previously_considered_by": "",
            },
        )  # fmt: skip
        if self.accepted(response):
            found = REPORT_ID.search(response.headers.get("Location", ""))
            self.reports.append(int(found.group(1)) if found else -1)

    # -- the loop ------------------------------------------------------------------------------

    def step(self) -> None:
        """One request of the mix. Each writer's first steps are one write of each kind it
        makes, and a board member's third step asks for a report while any are left, so even
        a short run exercises every write."""
        self.steps += 1
        steps = self.steps
        first = {"lead": [self.upload, self.save_self_rating], "assessor": [self.mark]}
        if steps < len(first.get(self.kind, [])):
            first[self.kind][steps]()
            return
        if self.kind == "board" and steps == 2 and self.run_.report_budget.take():
            self.ask_for_report()
            return
        roll = self.random.random()
        if self.kind == "lead":
            if roll < 0.18:
                self.save_self_rating()
            elif roll < 0.24:
                self.upload()
            else:
                self.read()
        elif self.kind == "assessor":
            if roll < 0.2:
                self.mark()
            else:
                self.read()
        else:
            self.read()

    def run(self) -> None:
        try:
            try:
                self.sign_in()
            finally:
                self.run_.signed.release()
            self.run_.ready.wait()
            if not self.signed_in:
                return
            while time.monotonic() < self.run_.stop_at:
                self.step()
                if self.run_.think > 0:
                    time.sleep(self.random.uniform(0, 2 * self.run_.think))
        except Exception as exc:  # noqa: BLE001 - reported as the run's failure
            self.error = f"{type(exc).__name__}: {exc}"
