"""The benchmark suite's driver: seeds the data set, starts the release build,
captures the SQL each operation sends, drives load with oha against the
service and against each floor (examples/bench_floor/), and writes
docs/BENCHMARKS.md, its charts and bench/results.json.

Run it through bench/run, which builds the binaries and installs the tools.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import report  # beside this file: Python puts a script's own folder on its path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SERVICE_BIN = os.path.join(TARGET, "release", "uliga")
FLOOR_BIN = os.path.join(TARGET, "release", "examples", "bench_floor")
DB_NAME = "uliga_bench"
DB_URL = f"mysql://root@127.0.0.1:3306/{DB_NAME}?prefer_socket=false"
SERVICE_ADDR = "127.0.0.1:18080"
FLOOR_ADDR = "127.0.0.1:18081"
SESSION_FLOOR_ADDR = "127.0.0.1:18082"
HEADERS_FLOOR_ADDR = "127.0.0.1:18086"
GRAPHQL_FLOOR_ADDR = "127.0.0.1:18083"
GRAPHQL = f"http://{SERVICE_ADDR}/graphql"
PASSWORD = "bench-pass-1!"
LOGIN_QUERY = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }"
POOL_SIZE = 10
MYSQL = ["mariadb", "-uroot", "-h127.0.0.1", "-P3306", "--protocol=TCP", "--default-character-set=utf8mb4"]

# Who the load runs as (see bench/seed.sql): shared ledger 1001's ADMIN is
# member 6; shared ledger 1002 (ADMIN: member 11) takes the new entries, so
# the dashboard's ledger does not grow while it is measured.
DASHBOARD_MEMBER, DASHBOARD_LEDGER = 6, 1001
WRITER_MEMBER, WRITE_LEDGER, WRITE_CATEGORY = 11, 1002, (1002 - 1) * 6 + 1
LOGIN_MEMBER = 7

COMMANDS = []  # every load command, as run, for the report

# The login flood arrives this many times faster than the service can
# verify passwords (its best login throughput above), so that most of it is
# excess the hashing queue must refuse.
FLOOD_TIMES_HASHING = 10

# The throughput targets' ratios (report.TARGETS) are measured again in this
# many alternating rounds after the sweep; the verdict is their median.
ROUNDS = 3


def best_rps(points):
    return max(point["rps"] for point in points.values())


def say(*words):
    print("bench:", *words, file=sys.stderr, flush=True)


def run(cmd, record=False, **kwargs):
    if record:
        COMMANDS.append(" ".join(shlex.quote(part) for part in cmd))
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs).stdout


def sql(statement, database=DB_NAME):
    return run(MYSQL + ["-N", "-B", database, "-e", statement])


def graphql_request(body, token=None, url=GRAPHQL):
    return urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"content-type": "application/json",
                 **({"authorization": f"Bearer {token}"} if token else {})})


def post(body, token=None, timeout=30, url=GRAPHQL):
    with urllib.request.urlopen(graphql_request(body, token, url), timeout=timeout) as response:
        return json.loads(response.read())


def metrics_lines():
    """The service's /metrics, one sample a line."""
    with urllib.request.urlopen(f"http://{SERVICE_ADDR}/metrics", timeout=10) as response:
        return response.read().decode().splitlines()


def metric(name):
    """The value of the unlabelled metric `name`, or None when the service
    has not recorded it yet."""
    for line in metrics_lines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def statements_total():
    total = metric("uliga_db_statements_total")
    if total is None:
        raise RuntimeError("no uliga_db_statements_total in /metrics")
    return int(total)


def graphql_errors(operation=None):
    """GraphQL errors the service has answered so far (from /metrics), all of
    them or those of one operation (its root field): oha counts any 200 as
    a success, so each load run checks that its answers carried no error."""
    total = 0
    for line in metrics_lines():
        if not line.startswith("uliga_graphql_errors_total{"):
            continue
        if operation and f'operation="{operation}"' not in line:
            continue
        total += int(float(line.split()[-1]))
    return total


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB -> MiB
    return None


# ----------------------------------------------------------------- the service

class Service:
    """The release build, on the benchmark database, in single-database mode."""

    def __init__(self, real_limits=False, tag="run", extra=None):
        self.env = dict(os.environ)
        self.env.update({
            "LISTEN_ADDR": SERVICE_ADDR,
            "DATABASE_URL": DB_URL,
            "DATABASE_POOL_SIZE": str(POOL_SIZE),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"),
            # A fresh prefix: no rate-limit bucket or session of an earlier run.
            "REDIS_KEY_PREFIX": f"uliga-bench-{os.getpid()}-{tag}:",
            "JWT_SECRET": "benchmark-secret-benchmark-secret-0123456789",
            "ACCESS_TOKEN_TTL_SECONDS": "7200",
            "RUST_LOG": "warn",
            "LOG_FORMAT": "text",
            "GRAPHIQL_ENABLED": "false",
            # The reminder job's statements would count in /metrics between
            # requests; it runs once at start-up, then not during the run.
            "REMINDER_INTERVAL_SECONDS": "86400",
        })
        self.env.update(extra or {})
        for key in ("DATABASE_REPLICA_URLS",):
            self.env.pop(key, None)
        if not real_limits:
            for key in ("RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL", "RATE_LIMIT_LOGIN_PER_ADDRESS_HOUR",
                        "RATE_LIMIT_LOOKUP_PER_ADDRESS_MINUTE", "RATE_LIMIT_CODE_PER_EMAIL_HOUR",
                        "RATE_LIMIT_CODE_PER_ADDRESS_HOUR", "RATE_LIMIT_RESET_PER_EMAIL_HOUR",
                        "RATE_LIMIT_PUBLIC_PER_ADDRESS_MINUTE",
                        "RATE_LIMIT_MUTATIONS_PER_MEMBER_MINUTE"):
                self.env[key] = "1000000000"
        else:
            for key in list(self.env):
                if key.startswith("RATE_LIMIT_"):
                    del self.env[key]
        self.proc = None
        self.startup_ms = None

    def start(self):
        log = open(os.path.join(TARGET, "bench-service.log"), "a")
        started = time.monotonic()
        self.proc = subprocess.Popen([SERVICE_BIN], env=self.env, stdout=log, stderr=log)
        deadline = started + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}; see target/bench-service.log")
            try:
                with urllib.request.urlopen(f"http://{SERVICE_ADDR}/health/ready", timeout=1) as response:
                    if response.status == 200:
                        self.startup_ms = (time.monotonic() - started) * 1000
                        return self
            except Exception:
                pass
            time.sleep(0.002)
        raise RuntimeError("the service did not become ready in 120 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss(self):
        return proc_status(self.proc.pid, "VmRSS")

    def hwm(self):
        return proc_status(self.proc.pid, "VmHWM")

    def reset_hwm(self):
        """VmHWM starts again from the RSS now (Linux's clear_refs, 5)."""
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")


def start_reference(ref, op, service_env):
    """Starts the reference `ref` of the operation `op` (`bench_floor
    session` or `bench_floor graphql`, given the service's answer), waits
    until it answers, and checks that it answers as the service did."""
    answer = json.dumps(op["answer"], separators=(",", ":"))
    if ref["command"] == "session":
        # The service's own settings and Redis prefix: the run's tokens are
        # valid there too.
        args, env = ["--body", answer], service_env
    elif ref["command"] == "axum":
        args, env = ["--body", answer, "--headers", "service"], None
    else:
        answer_file = os.path.join(TARGET, "bench", f"{ref['schema']}.answer.json")
        with open(answer_file, "w", encoding="utf-8") as f:
            f.write(answer)
        args, env = ["--schema", ref["schema"], "--answer-file", answer_file], None
    log_path = os.path.join(TARGET, f"bench-{ref['command']}-floor.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([FLOOR_BIN, ref["command"], "--listen", ref["addr"], *args],
                                env=env, stdout=log, stderr=log)
    COMMANDS.append(" ".join(shlex.quote(p) for p in proc.args))
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"bench_floor {ref['command']} exited; see {log_path}")
        try:
            urllib.request.urlopen(f"http://{ref['addr']}/graphql", timeout=1)
        except urllib.error.HTTPError:
            break  # it answers (405 to a GET): up
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError(f"bench_floor {ref['command']} did not start; see {log_path}")
    got = post(op["body"], op["token"], url=f"http://{ref['addr']}/graphql")
    if got != op["answer"]:
        proc.kill()
        raise RuntimeError(f"{ref['label']} answers {got}, the service {op['answer']}")
    if ref["command"] == "axum":
        theirs, ours = header_names(op, f"http://{ref['addr']}/graphql"), header_names(op, GRAPHQL)
        if theirs != ours:
            proc.kill()
            raise RuntimeError(f"{ref['label']} answers with the headers {theirs}, the service {ours}")
    return proc


def header_names(op, url):
    """The names of the headers an answer to `op` carries at `url`."""
    with urllib.request.urlopen(graphql_request(op["body"], op["token"], url), timeout=30) as response:
        return sorted(name.lower() for name in response.headers.keys())


def login(member):
    body = {"query": LOGIN_QUERY,
            "variables": {"e": f"bench{member}@example.com", "p": PASSWORD}}
    answer = post(body)
    if "errors" in answer:
        raise RuntimeError(f"login failed: {answer['errors']}")
    return answer["data"]["login"]["accessToken"]


# ----------------------------------------------------------------- operations

def month():
    today = datetime.date.today()
    return today.year, today.month


GRAPHQL_REFERENCE = ("async-graphql alone: the service's answer, served from memory by a schema of just the "
                     "types the document selects (the service's scalars and enum), behind the same reading "
                     "and writing of JSON, the same kept parse and the same skipped validation of a body "
                     "that passed it before as the service's handler, without "
                     "authentication, Redis or SQL")


def operations(tokens):
    year, mon = month()
    first = datetime.date(year, mon, 1)
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    dashboard = """query Dashboard($l: ID!, $y: Int!, $m: Int!, $from: Date!, $to: Date!) {
  ledger(id: $l) {
    calendar(year: $y, month: $m) { date incomeTotal expenseTotal }
    monthSummary(year: $y, month: $m) { year month incomeTotal expenseTotal budget }
    budget(year: $y, month: $m) { amount spent remaining }
    entries(filter: { from: $from, to: $to }, page: 0, size: 20) {
      totalCount totalPages
      items { id type amount date payment counterparty memo createdAt
              creator { id nickName } category { id name } creatorColor }
    }
  }
}"""
    return {
        "trivial": {
            "root": "me",
            "title": "Trivial authenticated query `{ me { id } }`",
            "floor": "bare axum handler returning the same JSON",
            # What the service's answer is made of, each part measured alone
            # (no target): they show which part of the gap to the bare
            # handler the required work takes.
            "references": {
                "authentication": {
                    "command": "session",
                    "label": "authentication only",
                    "description": "the service's own authentication (the JWT, then the session, remembered "
                                   "or read from Redis) in an axum handler returning the same JSON, "
                                   "without GraphQL",
                    "addr": SESSION_FLOOR_ADDR,
                },
                "graphql": {
                    "command": "graphql", "schema": "me",
                    "label": "async-graphql only",
                    "description": GRAPHQL_REFERENCE,
                    "addr": GRAPHQL_FLOOR_ADDR,
                },
                "headers": {
                    "command": "axum",
                    "label": "bare handler, the service's headers",
                    "description": "the bare axum handler answering the same JSON with the headers the "
                                   "service's answer carries (its content type, a request id, the CORS "
                                   "Vary and the four security headers), as fixed values: what the load "
                                   "generator pays to read the service's longer answer",
                    "addr": HEADERS_FLOOR_ADDR,
                },
            },
            "body": {"query": "{ me { id } }"},
            "token": tokens["dashboard"],
        },
        "ledger": {
            "root": "ledger",
            "title": "One indexed read `ledger(id) { name memberCount }`",
            "floor": "the same SQL, replayed directly over bb8 + diesel-async",
            "body": {"query": "query($l: ID!) { ledger(id: $l) { name memberCount } }",
                     "variables": {"l": str(DASHBOARD_LEDGER)}},
            "token": tokens["dashboard"],
        },
        "dashboard": {
            "root": "ledger",
            "title": "Dashboard: month calendar, summary, budget, first 20 entries",
            "floor": "the same SQL, replayed directly over bb8 + diesel-async",
            "body": {"query": dashboard,
                     "variables": {"l": str(DASHBOARD_LEDGER), "y": year, "m": mon,
                                   "from": first.isoformat(), "to": last.isoformat()}},
            "token": tokens["dashboard"],
            "references": {
                "graphql": {
                    "command": "graphql", "schema": "dashboard",
                    "label": "async-graphql only",
                    "description": GRAPHQL_REFERENCE,
                    "addr": GRAPHQL_FLOOR_ADDR,
                },
            },
        },
        "createEntry": {
            "root": "createEntry",
            "title": "`createEntry` (with its outbox and ledgerChanged publish)",
            "floor": "the same INSERT transaction, replayed directly",
            "body": {"query": """mutation($l: ID!, $c: ID!, $d: Date!) {
  createEntry(ledgerId: $l, input: { type: EXPENSE, amount: 12000, date: $d, categoryId: $c,
                                     payment: "카드", counterparty: "벤치 가게", memo: "부하 시험" }) { id }
}""", "variables": {"l": str(WRITE_LEDGER), "c": str(WRITE_CATEGORY),
                        "d": datetime.date.today().isoformat()}},
            "token": tokens["writer"],
        },
        "login": {
            "root": "login",
            "title": "`login` (raised rate limits)",
            "floor": "bare Argon2id verify, same parameters, on tokio's blocking pool",
            "body": {"query": LOGIN_QUERY,
                     "variables": {"e": f"bench{LOGIN_MEMBER}@example.com", "p": PASSWORD}},
            "token": None,
        },
    }


# ----------------------------------------------------------------- SQL capture

LOG_LINE = re.compile(r"^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2})?\s+(\d+)\s(Query|Execute|Prepare|Close stmt|Connect|Quit|Init DB|Reset stmt|Field List|Statistics|Ping|Change user|Set option)\b\t?(.*)$")


def capture(op, log_path):
    """The statements the service sends for one request, from MariaDB's
    general log. Run it on a service that has just started: on a fresh
    connection every statement is prepared before it runs, and the log shows
    its first execution with the values in place (later executions of a
    cached statement are logged with `?`). The log is global, so only the
    connections that this service opened to the benchmark database count,
    less the set-up statements each connection sends once."""
    if os.path.exists(log_path):
        os.remove(log_path)
    # The service's connections so far (the pool opens one at start-up).
    before_threads = {int(t) for t in sql(
        f"SELECT id FROM information_schema.processlist WHERE db = '{DB_NAME}'").split()}
    sql(f"SET GLOBAL log_output = 'FILE'; SET GLOBAL general_log_file = '{log_path}'; SET GLOBAL general_log = ON")
    try:
        before = statements_total()
        answer = post(op["body"], op["token"])
        after = statements_total()
    finally:
        sql("SET GLOBAL general_log = OFF")
    if "errors" in answer:
        raise RuntimeError(f"{op['title']}: {answer['errors']}")
    entries, current = [], None
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            line = raw.rstrip("\n")
            match = LOG_LINE.match(line)
            if match:
                current = [int(match.group(1)), match.group(2), match.group(3)]
                entries.append(current)
            elif current is not None and not line.startswith(("/usr/sbin", "Tcp port", "Time ")):
                current[2] += " " + line.strip()
    ours = before_threads | {thread for thread, kind, text in entries
                             if kind == "Connect" and f" on {DB_NAME} " in text + " "}
    # Less the probe's connection and our own client's.
    ours -= {thread for thread, kind, text in entries
             if "@@GLOBAL" in text or "SHOW REPLICA" in text or "general_log" in text}
    statements = [" ".join(text.split()) for thread, kind, text in entries
                  if kind in ("Query", "Execute") and thread in ours]
    statements = [s for s in statements if not SETUP.match(s)]
    if len(statements) != after - before:
        say(f"warning: {op['title']}: the general log has {len(statements)} statements, /metrics counted {after - before}")
    return statements, after - before, answer


def settle():
    """Waits until the service sends no statement for a second: the reminder
    job's pass at start-up must not be captured with the request."""
    last, quiet_since = statements_total(), time.monotonic()
    while time.monotonic() - quiet_since < 1.0:
        time.sleep(0.1)
        now = statements_total()
        if now != last:
            last, quiet_since = now, time.monotonic()


# What a new connection sends once (mysql_async's and diesel-async's set-up).
SETUP = re.compile(r"^(SET |SELECT @@)", re.IGNORECASE)


# ----------------------------------------------------------------- load

def oha(op, concurrency, seconds, rate=None, url=GRAPHQL):
    # Requests still running at the deadline finish and count, so that the
    # statements counted in /metrics divide by the right number of requests.
    cmd = ["oha", "--no-tui", "--output-format", "json", "--wait-ongoing-requests-after-deadline",
           "-z", f"{seconds}s", "-c", str(concurrency),
           "-m", "POST", "-H", "content-type: application/json", "-d", json.dumps(op["body"])]
    if op.get("token"):
        cmd += ["-H", f"authorization: Bearer {op['token']}"]
    requests_db = None
    if rate:
        # Latency counted from when each request was due, not when it was
        # sent; every request kept (oha writes them after the run) for the
        # steady state's percentiles.
        requests_db = os.path.join(TARGET, "bench", "paced-requests.sqlite")
        os.makedirs(os.path.dirname(requests_db), exist_ok=True)
        if os.path.exists(requests_db):
            os.remove(requests_db)
        cmd += ["-q", str(rate), "--latency-correction", "--db-url", requests_db]
    cmd += [url]
    out = json.loads(run(cmd, record=True))
    codes = {str(k): v for k, v in (out.get("statusCodeDistribution") or {}).items()}
    errors = out.get("errorDistribution") or {}
    ok = codes.get("200", 0)
    percentiles = out.get("latencyPercentiles") or {}
    point = {
        "requests": ok,
        "non_200": sum(v for k, v in codes.items() if k != "200"),
        "errors": {k: v for k, v in errors.items()},
        "rps": ok / out["summary"]["total"],
        "p50_ms": (percentiles.get("p50") or 0) * 1000,
        "p99_ms": (percentiles.get("p99") or 0) * 1000,
    }
    if requests_db:
        point.update(steady_state(requests_db))
    return point


# A paced run's first second: oha opens its connections then, and the
# requests due meanwhile wait for them (docs/BENCHMARKS.md, on the tails).
WARM_UP_SECONDS = 1.0


def steady_state(requests_db):
    """The percentiles of a paced oha run's requests due after its first
    second, from the requests oha wrote to `requests_db`, beside the whole
    run's (`p50_ms`, `p99_ms`)."""
    with sqlite3.connect(requests_db) as db:
        latencies = sorted(row[0] for row in db.execute(
            "SELECT duration FROM oha WHERE COALESCE(start_latency_correction, start) >= ?",
            (WARM_UP_SECONDS,)))
    if not latencies:
        return {}

    def at(q):
        return latencies[min(len(latencies), max(1, math.ceil(len(latencies) * q))) - 1] * 1000

    return {"steady_requests": len(latencies), "steady_p50_ms": at(0.50), "steady_p99_ms": at(0.99)}


def paced_service(op, rate, share, seconds, alone):
    """The service at a fixed rate, with the GraphQL errors it answered and
    whether it fell behind the pace, judged against `alone` (its point at
    one client)."""
    errors_before = graphql_errors()
    point = {"rate": rate, "share": share, **oha(op, 64, seconds, rate=rate)}
    point["graphql_errors"] = graphql_errors() - errors_before
    point["fell_behind"] = report.fell_behind(point, alone)
    return point


def median_tail(runs, ratio):
    """The run whose tail `ratio` is the median of `runs` (the middle one,
    of an odd number), carrying every run's ratio in order as `rounds`."""
    chosen = dict(sorted(runs, key=ratio)[len(runs) // 2])
    chosen["rounds"] = [ratio(run) for run in runs]
    return chosen


def floor_point(name, op, hashed, concurrency, seconds, rate=None):
    """One run of the operation's floor: closed loop, or paced at `rate`
    (the axum and SQL floors)."""
    if name == "trivial":
        return oha(op, concurrency, seconds, rate=rate, url=f"http://{FLOOR_ADDR}/graphql")
    if name == "login":
        return floor_argon2(hashed, concurrency, seconds)
    return floor_sql(op["statements_file"], concurrency, seconds, rate=rate)


def side_by_side_rounds(name, op, entry, hashed, seconds):
    """The service and its floor again, each at the concurrency of its best
    sweep point, alternating: a ratio of two runs seconds apart, repeated,
    so that the machine's drift over minutes shows as spread, not as a gap."""
    service_c = max(entry["service"], key=lambda c: entry["service"][c]["rps"])
    floor_c = max(entry["floor_results"], key=lambda c: entry["floor_results"][c]["rps"])
    rounds = []
    for number in range(1, ROUNDS + 1):
        say(name, f"side by side, round {number} of {ROUNDS}")
        errors_before = graphql_errors()
        service = oha(op, service_c, seconds)
        errors = graphql_errors() - errors_before
        floor = floor_point(name, op, hashed, floor_c, seconds)
        rounds.append({"service_concurrency": service_c, "floor_concurrency": floor_c,
                       "service_rps": service["rps"], "floor_rps": floor["rps"],
                       "service_errors": errors + service["non_200"]
                       + sum(v for k, v in service["errors"].items() if "deadline" not in k),
                       "ratio": service["rps"] / floor["rps"] if floor["rps"] else 0})
    return rounds


def floor_sql(statements_file, concurrency, seconds, rate=None):
    cmd = [FLOOR_BIN, "sql", "--url", DB_URL, "--file", statements_file, "--concurrency", str(concurrency),
           "--seconds", str(seconds), "--pool-size", str(POOL_SIZE)]
    if rate:
        cmd += ["--rate", str(rate)]
    return json.loads(run(cmd, record=True))


def image_layers(work_dir):
    """The runtime image's layers, weighed by bench/image-size. A failure
    there (no root, no network) costs the image's size, not the run."""
    say("assembling and weighing the runtime image's layers")
    cmd = [os.path.join(ROOT, "bench", "image-size"), SERVICE_BIN, work_dir]
    COMMANDS.append(" ".join(shlex.quote(part) for part in cmd))
    try:
        return json.loads(run(cmd))
    except (subprocess.CalledProcessError, json.JSONDecodeError) as error:
        detail = (getattr(error, "stderr", None) or str(error)).strip()
        reason = detail.splitlines()[-1] if detail else type(error).__name__
        say("image size not measured:", reason)
        return {"error": reason}


def unscraped_memory(service, op, seconds):
    """The service's RSS before and after `seconds` of `op` at saturation
    with nothing reading /metrics: what an instance that is never scraped
    keeps of its requests (the recorder folds its histograms' samples on its
    own: src/telemetry.rs)."""
    say("memory over", seconds, "s of load with nothing reading /metrics")
    before = service.rss()
    point = oha(op, 16, seconds)
    after = service.rss()
    return {"seconds": seconds, "requests": point["requests"], "rss_before_mib": round(before, 1),
            "rss_after_mib": round(after, 1),
            "bytes_per_request": (after - before) * 1024 * 1024 / max(1, point["requests"])}


def memory_after_logins(service, dashboard, seconds):
    """What the login runs leave in memory: the RSS right after them, with
    the hashing threads' Argon2 memory (19 MiB each), when the service has
    given that memory back (src/auth/password/memory.rs), and the peak under
    the dashboard load at 64 connections after that."""
    say("memory after the logins, until the hashing memory is given back")
    right_after = service.rss()
    started = time.monotonic()
    while (metric("uliga_password_hash_memory_bytes") or 0) > 0 and time.monotonic() - started < 60:
        time.sleep(0.1)
    released_after = time.monotonic() - started
    held = metric("uliga_password_hash_memory_bytes")
    released = service.rss()
    service.reset_hwm()
    say("dashboard at concurrency 64 after the logins")
    point = oha(dashboard, 64, seconds)
    return {"rss_right_after_mib": round(right_after, 1), "released_after_s": round(released_after, 1),
            "hash_memory_bytes_left": held, "rss_released_mib": round(released, 1),
            "dashboard_requests": point["requests"], "dashboard_seconds": seconds,
            "hwm_dashboard_mib": round(service.hwm(), 1)}


def floor_argon2(hashed, concurrency, seconds):
    cmd = [FLOOR_BIN, "argon2", "--hash", hashed, "--password", PASSWORD,
           "--concurrency", str(concurrency), "--seconds", str(seconds)]
    out = json.loads(run(cmd, record=True))
    return out


# ----------------------------------------------------------------- login flood

REFUSAL_FLOOR_ADDR = "127.0.0.1:18084"


def login_flood(ops, results, seconds, rounds):
    """The login flood, with the real limits, behind a trusted proxy as in
    production: a credential-stuffing run from many addresses against many
    accounts, which the per-address and per-account limits do not stop, so
    every login reaches the hashing queue. Meanwhile oha measures
    `ledger(id)` at half its paced rate, and the target compares its p99
    with a run just before, without the flood.

    Two references (no target) take the flood apart, in the same rounds:
    the same flood refused before any hashing (every login names one
    account, past its failure limit, so the per-email check refuses it),
    and the same flood aimed at a bare handler that answers what the
    service answers a refused login. What the query loses to them is the
    cost of a flood's traffic on these two cores, not of the hashing."""
    say("login flood with the real rate limits")
    service = Service(real_limits=True, tag="flood", extra={"TRUST_PROXY_HEADERS": "true"}).start()
    bare = None
    try:
        probe = dict(ops["ledger"], token=login(DASHBOARD_MEMBER))
        rate = max(1, int(results["operations"]["ledger"]["fixed_rate"]["rate"] / 2))
        login_best = best_rps(results["operations"]["login"]["service"])
        argon2_best = best_rps(results["operations"]["login"]["floor_results"])
        flood_rate = max(100, int(login_best * FLOOD_TIMES_HASHING))
        many = json.dumps({"query": LOGIN_QUERY, "variables": {"e": "flood{n}@example.com", "p": "wrong-pass-1!"}})
        one = json.dumps({"query": LOGIN_QUERY, "variables": {"e": "flood@example.com", "p": "wrong-pass-1!"}})
        # Failing logins for the one account until its failure limit refuses
        # them at the per-email check; the bare handler answers that refusal.
        for _ in range(100):
            refusal = post(json.loads(one))
            if refusal.get("errors", [{}])[0].get("extensions", {}).get("code") == "RATE_LIMITED":
                break
        else:
            raise RuntimeError(f"100 failed logins for one account were not refused: {refusal}")
        bare = subprocess.Popen([FLOOR_BIN, "axum", "--listen", REFUSAL_FLOOR_ADDR,
                                 "--body", json.dumps(refusal, separators=(",", ":"), ensure_ascii=False)])
        COMMANDS.append(" ".join(shlex.quote(p) for p in bare.args))
        floods = {"logins": (GRAPHQL, many), "refusals": (GRAPHQL, one),
                  "bare": (f"http://{REFUSAL_FLOOR_ADDR}/graphql", one)}
        errors_before = graphql_errors("ledger")
        runs = []
        for number in range(1, rounds + 1):
            say(f"login flood, round {number} of {rounds}")
            this_round = {"baseline": oha(probe, 32, seconds, rate=rate)}
            for kind, (url, body) in floods.items():
                this_round[kind] = probe_during_flood(probe, rate, seconds, url, body, flood_rate)
            runs.append(this_round)
        return {"probe_rate": rate, "flood_rate": flood_rate, "rounds": runs,
                "argon2_floor_rps": round(argon2_best, 1), "login_service_rps": round(login_best, 1),
                "probe_graphql_errors": graphql_errors("ledger") - errors_before,
                "login_per_address_hour": 100}
    finally:
        if bare:
            bare.terminate()
            bare.wait()
        service.stop()


def probe_during_flood(probe, rate, seconds, url, body, flood_rate):
    """oha's paced `probe` while `bench_floor flood` posts `body` to `url`
    at `flood_rate`, from 10,000 client addresses; the flood starts a second
    earlier and ends a second later."""
    cmd = [FLOOR_BIN, "flood", "--url", url, "--body", body, "--rate", str(flood_rate),
           "--addresses", "10000", "--seconds", str(seconds + 2), "--timeout", "10"]
    COMMANDS.append(" ".join(shlex.quote(p) for p in cmd))
    flood = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        during = oha(probe, 32, seconds, rate=rate)
        out, _ = flood.communicate()
    finally:
        if flood.poll() is None:
            flood.kill()
    return {"probe": during, "flood": json.loads(out)}


# ----------------------------------------------------------------- report

def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        mem_kb = int(info.readline().split()[1])
    db_version = sql("SELECT VERSION()").strip()
    oha_version = run(["oha", "--version"]).strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "mariadb": db_version, "oha": oha_version}


def rehearsal_running():
    return subprocess.run(["pgrep", "-f", "deploy/[r]ehearse"], capture_output=True).returncode == 0


def other_load():
    """The load average and the compilers running: other work on the machine
    skews every number, so the report says what there was."""
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    compilers = subprocess.run(["pgrep", "-c", "rustc"], capture_output=True, text=True).stdout.strip() or "0"
    return {"loadavg": load, "rustc_processes": int(compilers), "rehearsal": rehearsal_running()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer points, shorter runs")
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite docs/BENCHMARKS.md from bench/results.json without measuring")
    args = parser.parse_args()
    if args.report_only:
        with open(os.path.join(ROOT, "bench", "results.json")) as f:
            report.write(json.load(f), ROOT, os.path.join(ROOT, "docs"))
        return
    conc = [1, 16] if args.quick else [1, 4, 16, 64]
    seconds = 3 if args.quick else 8
    fixed_seconds = 4 if args.quick else 10
    out_dir = os.path.join(TARGET, "bench")
    os.makedirs(out_dir, exist_ok=True)
    results = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "quick": args.quick, "concurrency": conc, "seconds_per_point": seconds,
               "rehearsal_running_at_start": rehearsal_running(), "other_load_at_start": other_load()}

    hashed = run([FLOOR_BIN, "hash", "--password", PASSWORD]).strip()
    if not args.no_seed:
        say("migrating a fresh database", DB_NAME)
        sql(f"DROP DATABASE IF EXISTS {DB_NAME}", database="mysql")
        Service(tag="migrate").start().stop()
        say("seeding")
        began = time.monotonic()
        seed = f"SET @hash = '{hashed}';\n" + open(os.path.join(ROOT, "bench", "seed.sql"), encoding="utf-8").read()
        subprocess.run(MYSQL + [DB_NAME], input=seed, text=True, check=True, capture_output=True)
        results["seed_seconds"] = round(time.monotonic() - began, 1)
    counts = sql("SELECT (SELECT COUNT(*) FROM members), (SELECT COUNT(*) FROM ledgers), "
                 "(SELECT COUNT(*) FROM entries), (SELECT COUNT(*) FROM budgets), "
                 "(SELECT COUNT(*) FROM schedules), (SELECT COUNT(*) FROM schedule_assignments)").split()
    results["data_set"] = dict(zip(["members", "ledgers", "entries", "budgets", "schedules", "assignments"],
                                   map(int, counts)))

    # Tokens for the load: sessions live in Redis under this run's prefix, and
    # the JWT secret is fixed, so they hold across the restarts below.
    service = Service(tag="main").start()
    try:
        tokens = {"dashboard": login(DASHBOARD_MEMBER), "writer": login(WRITER_MEMBER)}
    finally:
        service.stop()
    ops = operations(tokens)
    results["operations"] = {}
    results["pool_size"] = POOL_SIZE
    service, floor_axum, references = None, None, []
    try:

        for name, op in ops.items():
            say("capturing the SQL of", name)
            fresh = Service(tag="main").start()
            try:
                settle()
                statements, counted, answer = capture(op, f"/tmp/uliga-bench-{name}.log")
            finally:
                fresh.stop()
            path = os.path.join(out_dir, f"{name}.sql")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(statements) + "\n")
            op["statements_file"] = path
            results["operations"][name] = {
                "title": op["title"], "floor": op["floor"], "query": op["body"]["query"],
                **({"references": {key: {"label": ref["label"], "description": ref["description"], "results": {}}
                                   for key, ref in op["references"].items()}} if "references" in op else {}),
                "statements_first_request": counted, "statements_captured": len(statements),
                "captured_sql": statements, "service": {}, "floor_results": {},
            }
            op["answer"] = answer
            if name == "trivial":
                op["floor_body"] = json.dumps(answer, separators=(",", ":"))

        service = Service(tag="main").start()
        results["startup_ms"] = round(service.startup_ms, 1)
        time.sleep(2)
        results["rss_idle_mib"] = round(service.rss(), 1)
        for name, op in ops.items():
            if name == "login":
                # Its 19 MiB Argon2 buffers would count in the dashboard's peak RSS.
                results["operations"][name]["statements_one_request"] = counted
                continue
            for _ in range(3):  # warm up: connections, prepared statements
                post(op["body"], op["token"])
            before = statements_total()
            post(op["body"], op["token"])
            results["operations"][name]["statements_one_request"] = statements_total() - before

        floor_axum = subprocess.Popen([FLOOR_BIN, "axum", "--listen", FLOOR_ADDR,
                                       "--body", ops["trivial"]["floor_body"]])
        COMMANDS.append(" ".join(shlex.quote(p) for p in floor_axum.args))
        for name, op in ops.items():
            entry = results["operations"][name]
            if name == "createEntry":
                entries_before = int(sql(f"SELECT COUNT(*) FROM entries WHERE ledger_id = {WRITE_LEDGER}"))
            requests_total, statements_delta = 0, 0
            # They run only while their operation is measured: the
            # authentication reference has the service's background work too
            # (the database probe), which would add to every later run.
            for ref in op.get("references", {}).values():
                references.append(start_reference(ref, op, service.env))
            for c in conc:
                say(name, "service at concurrency", c)
                before, errors_before = statements_total(), graphql_errors()
                point = oha(op, c, seconds)
                point["statements"] = statements_total() - before
                point["graphql_errors"] = graphql_errors() - errors_before
                # Throughput counts answers without a GraphQL error: a refused
                # login (RATE_LIMITED) is quick, and no login.
                point["rps_all"] = point["rps"]
                if point["requests"]:
                    point["rps"] *= max(0, point["requests"] - point["graphql_errors"]) / point["requests"]
                statements_delta += point["statements"]
                requests_total += point["requests"] + point["non_200"] + sum(point["errors"].values())
                entry["service"][c] = point
                say(name, "floor at concurrency", c)
                entry["floor_results"][c] = floor_point(name, op, hashed, c, seconds)
                for key, ref in op.get("references", {}).items():
                    say(name, f"reference ({ref['label']}) at concurrency", c)
                    entry["references"][key]["results"][c] = oha(op, c, seconds, url=f"http://{ref['addr']}/graphql")
            for reference in references:
                reference.terminate()
                reference.wait()
            references = []
            entry["statements_under_load"] = statements_delta
            entry["requests_under_load"] = requests_total
            if name == "createEntry":
                created = int(sql(f"SELECT COUNT(*) FROM entries WHERE ledger_id = {WRITE_LEDGER}")) - entries_before
                entry["rows_created_by_service_and_floor"] = created
            if name in report.TARGETS and not args.quick:
                entry["rounds"] = side_by_side_rounds(name, op, entry, hashed, seconds)
            best = max(entry["service"].values(), key=lambda p: p["rps"])
            alone = entry["service"][conc[0]]
            for share in (0.7, 0.5):
                rate = max(1, int(best["rps"] * share))
                say(name, "fixed rate", rate, "req/s")
                point = paced_service(op, rate, share, fixed_seconds, alone)
                if "fixed_rate" in entry:
                    entry["fixed_rate_fell_behind"] = entry["fixed_rate"]
                entry["fixed_rate"] = point
                if not point["fell_behind"]:
                    break
            # A paced run's p99 is its slowest 1%, which one stall of the
            # machine can own (the same build has measured 4× and 40× half an
            # hour apart): as for the throughput targets, the verdict takes
            # the median of ROUNDS runs, the floor's the same way.
            tail_rounds = 1 if args.quick else ROUNDS
            fixed = entry["fixed_rate"]
            if not fixed["fell_behind"]:
                runs = [fixed]
                for number in range(2, tail_rounds + 1):
                    say(name, f"fixed rate {fixed['rate']} req/s, run {number} of {tail_rounds}")
                    runs.append(paced_service(op, fixed["rate"], fixed["share"], fixed_seconds, alone))
                entry["fixed_rate"] = median_tail(runs, report.tail_ratio)
            # The floor's own tail, paced the same way at 70% of its own best:
            # what this machine gives with the service taken away.
            if name != "login":
                floor_rate = max(1, int(best_rps(entry["floor_results"]) * 0.7))
                runs = []
                for number in range(1, tail_rounds + 1):
                    say(name, f"floor at fixed rate {floor_rate} req/s, run {number} of {tail_rounds}")
                    runs.append({"rate": floor_rate,
                                 **floor_point(name, op, hashed, 64, fixed_seconds, rate=floor_rate)})
                entry["floor_fixed_rate"] = median_tail(runs, report.tail_ratio)
            if name == "dashboard":
                results["rss_after_dashboard_mib"] = round(service.rss(), 1)
                results["hwm_after_dashboard_mib"] = round(service.hwm(), 1)
        results["rss_end_mib"] = round(service.rss(), 1)
        results["hwm_end_mib"] = round(service.hwm(), 1)
        results["after_logins"] = memory_after_logins(service, ops["dashboard"], seconds)
        results["unscraped"] = unscraped_memory(service, ops["trivial"], 5 if args.quick else 30)
    finally:
        for floor in [floor_axum, *references]:
            if floor:
                floor.terminate()
        if service:
            service.stop()

    results["login_flood"] = login_flood(ops, results, fixed_seconds, 1 if args.quick else ROUNDS)

    results["binary_bytes"] = os.path.getsize(SERVICE_BIN)
    stripped = os.path.join(out_dir, "uliga.stripped")
    subprocess.run(["strip", "-o", stripped, SERVICE_BIN], check=False)
    results["binary_stripped_bytes"] = os.path.getsize(stripped) if os.path.exists(stripped) else None
    if not args.quick:
        results["image"] = image_layers(os.path.join(out_dir, "image"))
    results["machine"] = machine()
    results["commit"] = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    results["dirty"] = bool(run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]).strip())
    results["rehearsal_running_at_end"] = rehearsal_running()
    results["other_load_at_end"] = other_load()
    results["commands"] = [re.sub(r"Bearer [A-Za-z0-9._-]+", "Bearer $TOKEN", c).replace(ROOT + "/", "")
                           for c in COMMANDS]
    results["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    # A quick run is a smoke test: its report stays out of the repository.
    docs = os.path.join(out_dir, "quick") if args.quick else os.path.join(ROOT, "docs")
    raw = os.path.join(out_dir, "quick", "results.json") if args.quick else os.path.join(ROOT, "bench", "results.json")
    os.makedirs(os.path.dirname(raw), exist_ok=True)
    with open(raw, "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    report.write(results, ROOT, docs, quick=args.quick)


if __name__ == "__main__":
    main()
