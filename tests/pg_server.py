#!/usr/bin/env python3
"""A throwaway PostgreSQL server for tests (Python 3 stdlib only).

    import pg_server
    with pg_server.PgServer() as pg:          # initdb + postgres in a temp dir, on a free 127.0.0.1 port
        url = pg.create_database("hub_a")     # postgresql://postgres@127.0.0.1:PORT/hub_a
        rows = pg.query("hub_a", "SELECT count(*) FROM records")   # [['0']]
    # stopped, temp dir removed

PostgreSQL refuses to run as root, so when the test runs as root the server runs as an unprivileged user
(`nobody` unless ENGAGE_PG_USER names another) and the temp dir is handed to it.

If the server binaries are missing, pg_server.require() prints a clear "SKIP: ..." line and exits with 77
(ctest's SKIP_RETURN_CODE) — unless ENGAGE_REQUIRE_POSTGRES=1, as in CI, where a missing PostgreSQL fails.
Binaries are looked for in $ENGAGE_PG_BIN, /usr/lib/postgresql/<newest>/bin, then PATH.
"""
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def find_bin_dir():
    """The directory holding initdb and postgres, or None."""
    candidates = []
    if os.environ.get("ENGAGE_PG_BIN"):
        candidates.append(os.environ["ENGAGE_PG_BIN"])

    def version(path):
        try:
            return float(path.split("/")[-2])
        except ValueError:
            return 0.0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(initdb))
    for d in candidates:
        if all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "postgres", "psql")):
            return d
    return None


def require():
    """Returns the bin dir, or exits 77 with a SKIP line (exit 1 when ENGAGE_REQUIRE_POSTGRES=1)."""
    d = find_bin_dir()
    if d:
        return d
    msg = ("PostgreSQL server binaries (initdb, postgres, psql) not found; "
           "install the Debian package 'postgresql' (or set ENGAGE_PG_BIN)")
    if os.environ.get("ENGAGE_REQUIRE_POSTGRES") == "1":
        print(f"FAILED: {msg} (ENGAGE_REQUIRE_POSTGRES=1)")
        sys.exit(1)
    print(f"SKIP: {msg}")
    sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """initdb + postgres on 127.0.0.1:<free port>, trust auth for user 'postgres', fsync off (tests only).
    durable=True keeps PostgreSQL's own defaults instead (fsync, synchronous_commit and full_page_writes on), for
    benchmarks that must pay for durability as a real server does."""

    def __init__(self, bin_dir=None, user=None, durable=False):
        self.bin_dir = bin_dir or require()
        self.durable = durable
        self.user = None
        if os.geteuid() == 0:
            self.user = user or os.environ.get("ENGAGE_PG_USER", "nobody")
        self.dir = None
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout=30):
        self.dir = tempfile.mkdtemp(prefix="engage-pg-")
        os.chmod(self.dir, 0o700)
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "postgres.log")
        r = self._run([self._bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--locale=C", "--no-sync"], timeout=120)
        if r.returncode != 0:
            self.stop()
            raise RuntimeError(f"initdb failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        last = None
        for _ in range(5):  # a free port can be taken between probing and binding: try again
            self.port = free_port()
            try:
                self._start_postgres(timeout)
                return self.url("postgres")
            except RuntimeError as e:
                last = e
        self.stop()
        raise last

    def _start_postgres(self, timeout):
        log = open(self.log_path, "ab")
        fast = [] if self.durable else ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self.proc = subprocess.Popen(
            [self._bin("postgres"), "-D", self.data, "-p", str(self.port), "-k", self.dir,
             "-c", "listen_addresses=127.0.0.1", *fast, "-c", "shared_buffers=" + ("128MB" if self.durable else "16MB"),
             "-c", "max_connections=60",
             "-c", "log_min_messages=warning"],
            stdout=log, stderr=subprocess.STDOUT, env=self._env(), **self._as_user())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}:\n{self.log()}")
            r = self._run([self._bin("psql"), "-X", "-h", self.host, "-p", str(self.port), "-U", "postgres",
                           "-d", "postgres", "-Atc", "SELECT 1"], timeout=10)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        self._kill()
        raise RuntimeError(f"postgres did not start within {timeout} s:\n{self.log()}")

    def stop(self):
        self._kill()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- helpers -----------------------------------------------------------------------------
    def url(self, dbname="postgres"):
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"

    def create_database(self, name):
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def psql(self, dbname, sql):
        r = self._run([self._bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p",
                       str(self.port), "-U", "postgres", "-d", dbname, "-Atc", sql], timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{r.stderr}")
        return r.stdout

    def query(self, dbname, sql):
        """Rows as lists of strings ('' for NULL)."""
        out = self.psql(dbname, sql)
        return [line.split("\x1f") for line in out.splitlines()] if out else []

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def _bin(self, name):
        return os.path.join(self.bin_dir, name)

    def _env(self):
        env = dict(os.environ, LC_ALL="C", LANG="C", PGTZ="UTC")
        env.pop("PGPASSWORD", None)
        return env

    def _as_user(self):
        if not self.user:
            return {}
        pw = pwd.getpwnam(self.user)
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [], "cwd": self.dir}

    def _run(self, cmd, timeout):
        if cmd[0].endswith("psql"):
            cmd = cmd[:1] + ["-F", "\x1f"] + cmd[1:]
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self._env())
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self._env(), **self._as_user())


if __name__ == "__main__":
    # Smoke test: python3 tests/pg_server.py
    with PgServer() as pg:
        url = pg.create_database("smoke")
        print(url, pg.query("smoke", "SELECT 1, 'two'"))
