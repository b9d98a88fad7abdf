"""How long a board report takes when PostgreSQL restarts while it renders (docs/performance.md,
"Faults", the known gap): the real app on a PostgreSQL cluster and a Redis of its own; a board
member asks for a report, the cluster is stopped while the worker renders it and started 3 s
later; prints the report's state every few seconds until it is done or failed (at most
``--wait`` seconds) and the seconds it took.

    .venv/bin/python bench/load/report_restart.py --wait 400
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load import stack  # noqa: E402
from bench.load.users import REPORT_ID, csrf_headers, signed_in_session  # noqa: E402

COVER = {
    "year": "2018", "meeting": "Board of Directors", "meeting_date": "2026-12-01",
    "author": "Lee Lead", "sponsor": "Chair", "purpose": "information",
    "assurance": "reasonable", "recommendation": "The Board is asked to note the report.",
}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wait", type=float, default=400, help="seconds to wait at most")
    parser.add_argument("--stop-after", type=float, default=0.8, help="seconds after asking")
    args = parser.parse_args(argv)
    with stack.private_stack("report_restart", users=[["board", 1]]) as services:
        board = signed_in_session(services.base, "board1@load.test", services.password)
        asked = time.monotonic()
        response = board.post(
            f"{services.base}/o/{services.org}/progression/board-reports/new/",
            data=COVER, headers=csrf_headers(board), allow_redirects=False, timeout=60,
        )  # fmt: skip
        report_id = str(REPORT_ID.search(response.headers["Location"]).group(1))
        time.sleep(args.stop_after)
        services.cluster.stop("fast")
        print(f"PostgreSQL stopped {time.monotonic() - asked:.1f} s after the report was asked for")
        time.sleep(3)
        services.cluster.start()
        print(f"PostgreSQL started again at {time.monotonic() - asked:.1f} s")
        state = {}
        while time.monotonic() - asked < args.wait:
            state = stack.djangoside(services.env, "reports", {"ids": [int(report_id)], "wait": 10})
            state = state[report_id]
            print(f"  {time.monotonic() - asked:6.1f} s: {state['status']} {state['error'][:80]}")
            if state["status"] in ("done", "failed"):
                break
        took = time.monotonic() - asked
        print(f"the report was {state.get('status')} {took:.0f} s after it was asked for")
        return 0 if state.get("status") == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
