"""The real services of a load run or a fault test, all on loopback: a throwaway PostgreSQL
database (on a server given by URL, or a cluster of our own that a test may stop and start),
a Redis of our own, gunicorn (3 workers, as in the Dockerfile) and a Celery worker.

Nothing here imports Django: the app runs in its own processes, and what must be done inside
Django (migrate, seed, verify) runs through ``bench/load/djangoside.py`` in a subprocess.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DJANGOSIDE = ROOT / "bench" / "load" / "djangoside.py"


class StackError(RuntimeError):
    """A service would not start or answer; the message says which and where its log is."""


def free_port(candidates: Sequence[int] = ()) -> int:
    """The first of ``candidates`` nobody listens on, else one the system picks."""
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        if time.monotonic() > deadline:
            where = f"; see {log}" if log else ""
            raise StackError(f"{what} did not answer within {timeout:.0f} s{where}")
        time.sleep(0.1)


def stop_process(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- PostgreSQL -------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _connect(url: str):
    """An autocommit connection to the server's maintenance database ("postgres": the URL's
    own database need not exist)."""
    import psycopg2

    parts = urlsplit(url)
    try:
        connection = psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=5,
        )
    except psycopg2.Error as error:
        where = f"{parts.hostname}:{parts.port}"
        raise StackError(f"cannot reach PostgreSQL at {where}: {error}") from error
    connection.autocommit = True
    return connection


def create_database(server_url: str, name: str) -> str:
    """A fresh, empty database ``name`` on the server of ``server_url`` (dropped first if it
    is there); returns its URL."""
    if not name.replace("_", "").isalnum():
        raise StackError(f"{name!r} is not a plain database name")
    connection = _connect(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    connection = _connect(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parts)
    return found[-1].parent if found else None


class PostgresCluster:
    """A throwaway PostgreSQL cluster of our own (initdb), which a test may stop and start
    again on the same port. Run as the ``postgres`` user when we are root, as
    scripts/test.sh does."""

    def __init__(self, folder: Path, port: int):
        self.bin = postgres_bin()
        if self.bin is None:
            raise StackError("no PostgreSQL server binary under /usr/lib/postgresql")
        self.folder = folder
        self.data = folder / "pgdata"
        self.log = folder / "postgres.log"
        self.port = port
        self.url = f"postgres://cse@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def init(self) -> "PostgresCluster":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.data, "postgres")
            self.folder.chmod(0o755)
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "cse", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        if done.returncode:
            raise StackError(f"initdb failed: {done.stdout}{done.stderr}")
        return self

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options,
            "start",
        )  # fmt: skip
        if done.returncode:
            raise StackError(f"PostgreSQL would not start: {done.stderr}; see {self.log}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        self.stop("fast")
        shutil.rmtree(self.folder, ignore_errors=True)


# -- Redis ------------------------------------------------------------------------------------


class Redis:
    """A redis-server of our own on loopback, nothing saved to disk; stop and start again on
    the same port (what it held is lost, as with a Redis restarted without its data)."""

    def __init__(self, folder: Path, port: int):
        if shutil.which("redis-server") is None:
            raise StackError("no redis-server binary on this machine")
        self.folder = folder
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder),
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, f"Redis on port {self.port}", 10, self.folder / "redis.log")

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


# -- The app ----------------------------------------------------------------------------------


def app_env(database_url: str, broker_url: str, media_root: Path, **extra: str) -> dict:
    """The environment of every process of the app: production-like (no DEBUG, cached
    templates) but over plain HTTP on loopback."""
    unwanted = {"DJANGO_ENV", "CELERY_BROKER_DIR", "CELERY_RESULT_BACKEND", "SECRET_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        # The page cache shared by gunicorn's workers, in the same Redis (as docker-compose).
        CACHE_URL=broker_url.rsplit("/", 1)[0] + "/1",
        MEDIA_ROOT=str(media_root),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="cse_portal.settings",
    )
    env.update(extra)
    return env


def djangoside(env: dict, command: str, payload: dict | None = None, timeout: float = 600):
    """Run ``command`` of bench/load/djangoside.py inside Django; its JSON answer."""
    done = subprocess.run(
        [PYTHON, str(DJANGOSIDE), command],
        input=json.dumps(payload or {}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )
    if done.returncode:
        raise StackError(f"djangoside {command} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of process ``pid`` and its children alive now (Linux /proc;
    0 elsewhere)."""
    if pid is None or not Path("/proc/self/stat").exists():
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for each in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class App:
    """gunicorn (``workers``, as in the Dockerfile) and a Celery worker beside it."""

    def __init__(self, env: dict, folder: Path, port: int, workers: int = 3):
        self.env = env
        self.folder = folder
        self.port = port
        self.workers = workers
        self.base_url = f"http://127.0.0.1:{port}"
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def launch_web(self) -> None:
        self.web_log = log = self.folder / "gunicorn.log"
        self.web = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "cse_portal.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--timeout", "60", "--error-logfile", str(log)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def wait_for_web(self) -> None:
        def up() -> bool:
            if self.web.poll() is not None:
                raise StackError(f"gunicorn exited; see {self.web_log}")
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True

        wait_for(up, f"gunicorn on port {self.port}", 90, self.web_log)

    def start_web(self) -> None:
        self.launch_web()
        self.wait_for_web()

    def start_worker(self) -> None:
        log = self.folder / "worker.log"
        self.worker_log = open(log, "a")  # noqa: SIM115 - closed in stop()
        self.worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "cse_portal", "worker", "--pool=solo",
             "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=self.worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def launch(self) -> None:
        """Start both processes without waiting (they load Django meanwhile)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.start_worker()
        self.launch_web()

    def start(self) -> None:
        self.launch()
        self.wait_for_web()

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by the web server (master and workers) and the worker."""
        return {
            "web": cpu_seconds(self.web.pid if self.web else None),
            "worker": cpu_seconds(self.worker.pid if self.worker else None),
        }

    def stop(self) -> None:
        for proc in (self.web, self.worker):  # both told at once, then waited for
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        stop_process(self.web)
        stop_process(self.worker)
        if getattr(self, "worker_log", None):
            self.worker_log.close()


# -- A stack of our own -------------------------------------------------------------------------


@dataclass
class PrivateStack:
    """What ``private_stack`` started, to be stopped and started again by its user."""

    cluster: PostgresCluster
    redis: Redis
    app: App
    env: dict
    prepared: dict  # djangoside "prepare": the organisation, its year, the people, a password

    @property
    def base(self) -> str:
        return self.app.base_url

    @property
    def org(self) -> str:
        """The prepared organisation's slug."""
        return self.prepared["org"]

    @property
    def password(self) -> str:
        """Every prepared user's password."""
        return self.prepared["password"]


@contextmanager
def private_stack(name: str, users: list[list]) -> Iterator[PrivateStack]:
    """The real app on services of its own, for a test or a measurement that stops and starts
    them: a PostgreSQL cluster (initdb) with a database ``name``, a Redis, gunicorn (3 workers)
    and a Celery worker, prepared as for a load run (the demo organisation and ``users``, e.g.
    ``[["board", 1]]``). Connections are kept between requests (CONN_MAX_AGE=60), as in
    production, so a restart leaves dead ones. All stopped and removed on leaving."""
    folder = Path(tempfile.mkdtemp(prefix=f"cse-{name}-"))
    folder.chmod(0o755)  # the postgres user (when we are root) reaches its cluster inside
    cluster = PostgresCluster(folder / "pg", free_port(range(5440, 5450))).init()
    redis = app = None
    try:
        cluster.start()
        database_url = create_database(cluster.url, name)
        redis = Redis(folder / "redis", free_port(range(6390, 6400)))
        redis.start()
        env = app_env(database_url, redis.url, folder / "media", CONN_MAX_AGE="60")
        app = App(env, folder / "app", free_port(range(8780, 8790)), workers=3)
        app.launch()
        prepared = djangoside(env, "prepare", {"users": users})
        app.wait_for_web()
        yield PrivateStack(cluster=cluster, redis=redis, app=app, env=env, prepared=prepared)
    finally:
        if app:
            app.stop()
        if redis:
            redis.stop()
        cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)
