"""Where `/credit check` spends its CPU, in-process and without wrk.

    python -m tests.bench.profile_check [-n 2000] [--rounds 5] [--customers 2000
        --invoices 100000 | --big | --database URL] [--code DIR] [--top 30]

The bot's WSGI app is built as tests/e2e/conftest.py builds it (Services,
create_bolt_app, create_wsgi_app, the Slack emulator standing in for the Web API) and
called directly with signed requests, so no HTTP server, socket or load generator shares
the CPU. Reported, CPU per request (time.process_time over N requests, every thread of
the process, best and median of several rounds):
  * a bare signed acknowledgement (Events API url_verification);
  * `/credit check` for customers by id (70%) and by name prefix (30%), as bench_serve;
  * the phases of a check timed one by one (signature, Bolt dispatch, each SQL statement,
    exposure, Block Kit, JSON): the parts do not add up exactly to the whole, because the
    whole also has Bolt's per-request bookkeeping and the thread hand-off;
  * a cProfile of the check path (the answer computed in the request's thread rather
    than on the bot's background executor, so that one profile holds all of it): the
    phases' cumulative times, own time grouped by library, and the top functions by
    cumulative and by own time.

The requests repeat 200 customers, so after the warm-up a check is answered from what
the bot remembers (positions per data version and day, rendered cards): the profile is
of that path. The phase table's statements (through the unit of work's repositories)
are what a check of a customer not remembered costs, roughly; storage.check_reads runs
the same SQL on the driver's cursor.

Only the composition root (bot.*) is needed to build and call the app, so the script
survives handler modules moving. The phase timings reach into the storage and domain
APIs and the card builder found by name; a phase whose code moved prints "n/a".

The database is generated on first use under bench-data/ (default 2,000 customers and
100,000 invoices; --big uses bench_serve's 20,000 / 1,000,000 database). With
``--code DIR`` the bot's code comes from another source tree (e.g. a git worktree of an
older commit) while the data and this script stay the same.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import pkgutil
import pstats
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
SECRET = "profile-signing-secret"
TOKEN = "xoxb-profile"
TEAM_ID = "T0SANDBOX"


# -- the database ---------------------------------------------------------------------

def _cli(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "CREDITBOT_CONFIG": str(ROOT / "app.yaml")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)


def ensure_database(customers: int, invoices: int, big: bool) -> str:
    """A SQLite database with the generated portfolio, loaded by this tree's importer."""
    from tests.bench.datagen import DATA, customers_file, invoices_file, rates_file

    DATA.mkdir(exist_ok=True)
    if big:
        path = DATA / "serve-bench.db"
        files = (customers_file(), invoices_file())
    else:
        from tests.bench.datagen import portfolio_files

        path = DATA / f"profile-{customers}-{invoices}.db"
        files = portfolio_files(customers, invoices)
    url = f"sqlite:///{path}"
    if path.exists():
        # This tree may have gained migrations since the file was loaded.
        _cli(url, "db", "upgrade")
    else:
        partial = path.with_suffix(".loading.db")
        partial.unlink(missing_ok=True)
        partial_url = f"sqlite:///{partial}"
        _cli(partial_url, "db", "upgrade")
        _cli(partial_url, "import", "customers", str(files[0]))
        _cli(partial_url, "import", "rates", str(rates_file()))
        _cli(partial_url, "import", "invoices", str(files[1]))
        # Renamed only when complete: an interrupted load is not mistaken for data.
        partial.rename(path)
    return url


# -- requests -----------------------------------------------------------------------------

def sign(timestamp: str, body: bytes) -> str:
    from bot.sandbox.driver import sign as driver_sign

    return driver_sign(SECRET, timestamp, body)


def environ(body: bytes, content_type: str) -> dict[str, Any]:
    """Signed now; Bolt accepts a timestamp for five minutes. wsgi.input is added per call."""
    stamp = str(int(time.time()))
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "3000",
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": sign(stamp, body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def queries(customers: int, count: int = 200) -> list[str]:
    """As bench_serve: 70% by id, 30% by a name prefix that names one customer."""
    rng = random.Random(3)
    return [f"C{n:05d}" if n % 10 < 7 else f"customer {n:05d}"
            for n in rng.sample(range(1, customers), min(count, customers - 1))]


def ack_body(n: int) -> bytes:
    return json.dumps({"token": "x", "type": "url_verification",
                       "challenge": f"profile-{n}"}).encode()


def check_body(query: str, response_url: str, n: int | str) -> bytes:
    return urlencode({
        "team_id": TEAM_ID, "channel_id": "C01SALES000", "user_id": "U01SALESAMY",
        "user_name": "amy", "command": "/credit", "text": f"check {query}",
        "api_app_id": "A0CREDITBOT", "response_url": response_url,
        "trigger_id": f"{n}.profile"}).encode()


Request = tuple[bytes, str]
# Request i of a round, for a round that sends ``count`` of them.
Requests = Callable[[int], Request]


def ack_requests(i: int) -> Request:
    return ack_body(i % 200), "application/json"


def check_requests(names: list[str], emulator: Any) -> Requests:
    """Customers in turn; each command has its own trigger_id and response_url, as from
    Slack (a bot may answer a repeated trigger_id as a retry, without a card)."""
    urls = [emulator.new_response_url() for _ in names]
    run = uuid.uuid4().hex[:8]
    rounds = itertools.count()
    form = "application/x-www-form-urlencoded"

    def make(i: int) -> Request:
        n = i % len(names)
        return check_body(names[n], urls[n], f"{i}.{run}.{next(rounds)}"), form
    return make


class Answer:
    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        self.status, self.headers = status, headers


def expect_card(status: str, body: bytes) -> None:
    if not status.startswith("200") or b'"type": "header"' not in body:
        raise SystemExit(f"a check did not answer with a card: {status} {body[:300]!r}")


def expect_ack(status: str, body: bytes) -> None:
    if not status.startswith("200") or b"profile-" not in body:
        raise SystemExit(f"url_verification was not acknowledged: {status} {body[:300]!r}")


# -- the app, built like tests/e2e/conftest.py ---------------------------------------------

def build(url: str, emulator: Any, background: Any = None) -> tuple[Any, Any, Any]:
    """(WSGI callable, Bolt app, Services)."""
    from bot.config import load_config
    from bot.settings import Settings
    from bot.slack_app import create_bolt_app
    from bot.web import create_wsgi_app
    from bot.wiring import Services

    settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                        slack_api_url=emulator.api_url, database_url=url)
    # The app.yaml of the tree the code comes from (--code): settings come and go with it.
    import bot

    config = Path(bot.__file__).resolve().parents[1] / "app.yaml"
    services = Services(settings, load_config(config if config.exists() else ROOT / "app.yaml"))
    if background is not None:
        # Services.background is a cached property: an instance attribute overrides it.
        services.background = background
    bolt = create_bolt_app(services)
    return create_wsgi_app(bolt, services.engine), bolt, services


# -- timing -------------------------------------------------------------------------------

class Runner:
    """Calls ``run(i)`` for request i; ``prepare()`` runs before each round, untimed."""

    def prepare(self) -> None:
        pass

    def __call__(self, i: int) -> object:
        raise NotImplementedError


class Calls(Runner):
    def __init__(self, run: Callable[[int], object]) -> None:
        self.run = run

    def __call__(self, i: int) -> object:
        return self.run(i)


class WsgiRequests(Runner):
    """``count`` requests made and signed before each round, so that neither the
    client's HMAC nor a repeated trigger_id lands in the server's figures."""

    def __init__(self, app: Callable[..., Iterable[bytes]], make: Requests, count: int,
                 check: Callable[[str, bytes], None]) -> None:
        self.app, self.make, self.count, self.check = app, make, count, check
        self.prepare()

    def prepare(self) -> None:
        self.requests = [self.make(i) for i in range(self.count)]
        self.environs = [environ(*r) for r in self.requests]

    def __call__(self, i: int) -> object:
        if i >= self.count:
            raise IndexError("a round sends at most the requests prepared for it")
        env = self.environs[i]
        env["wsgi.input"] = io.BytesIO(self.requests[i][0])
        answer = Answer()
        body = b"".join(self.app(env, answer))
        if i % 97 == 0:
            self.check(answer.status, body)
        return body


def cpu_per_call(run: Runner, count: int, rounds: int) -> tuple[float, float]:
    """(best, median) process CPU µs per call over ``rounds`` rounds of ``count`` calls.
    The best round is the one least disturbed by other processes' cache traffic."""
    samples = []
    for _ in range(rounds):
        run.prepare()
        gc.collect()
        start = time.process_time()
        for i in range(count):
            run(i)
        samples.append((time.process_time() - start) / count * 1e6)
    return min(samples), statistics.median(samples)


# -- phases -------------------------------------------------------------------------------

def find(name: str, prefer: str = "", packages: tuple[str, ...] = ("handlers", "bot", "domain")
         ) -> Any:
    """The module-level function called ``name`` in these packages, wherever the
    restructure put it; among several, the first whose module name contains ``prefer``."""
    import importlib

    found: list[Any] = []
    for package in packages:
        try:
            root = importlib.import_module(package)
        except ImportError:
            continue
        names = [package] + [m.name for m in pkgutil.walk_packages(
            getattr(root, "__path__", []), prefix=package + ".")]
        for module_name in names:
            if ".sandbox" in module_name or module_name.startswith(("bot.cli", "bot.serve")):
                continue
            try:
                module = importlib.import_module(module_name)
            except Exception:
                continue
            candidate = getattr(module, name, None)
            if callable(candidate) and getattr(candidate, "__module__", "") == module_name:
                found.append(candidate)
    if not found:
        raise LookupError(f"no {name}() in {', '.join(packages)}")
    return next((f for f in found if prefer in f.__module__), found[0])


USER = "U01SALESAMY"


class CheckPath:
    """The check's use case and its card, called the way the handler calls them, in
    whichever shape the code has: CreditChecks.check(member, query) and card(found)
    (the restructure), or customer_position(uow, ...) and check_card(customer, position)
    (before it)."""

    def __init__(self, services: Any) -> None:
        from bot.slack_app import build_deps

        deps = build_deps(services)
        self.timezone = services.config.organisation.timezone
        checks = getattr(deps, "checks", None)
        if checks is not None:
            import inspect

            member = deps.member(USER)
            card = find("card", prefer="check")
            self.use = lambda query: checks.check(member, query)
            self.render = lambda found: card(found, timezone=self.timezone)
            if "tr" in inspect.signature(card).parameters:
                # Cards in the organisation's language, as for a person whose Slack
                # locale is unknown.
                tr = deps.languages.for_channel(None)
                self.render = lambda found: card(found, tr, timezone=self.timezone)
            self.shape = "CreditChecks.check + card"
            return
        from domain.positions import customer_position

        check_card = find("check_card")
        today, policy = services.today, services.policy

        def use(query: str) -> Any:
            with services.uow() as uow:
                return customer_position(uow, query, today(), policy)
        self.use = use
        self.render = lambda found: check_card(*found, timezone=self.timezone)
        self.shape = "customer_position + check_card"


def phase_table(bolt: Any, services: Any, names: list[str], count: int, rounds: int
                ) -> list[tuple[str, float | str]]:
    from slack_bolt.request import BoltRequest
    from slack_sdk.signature import SignatureVerifier

    rows: list[tuple[str, float | str]] = []
    cleanup: list[Callable[[], None]] = []
    today = services.today()
    policy = services.policy
    by_id = [q for q in names if not q.startswith("customer")]
    by_name = [q for q in names if q.startswith("customer")]
    hook = "http://127.0.0.1:9/hooks/T0SANDBOX/1"

    def measure(label: str, setup: Callable[[], Runner]) -> None:
        try:
            run = setup()
            run(0)
            rows.append((label, cpu_per_call(run, count, rounds)[0]))
        except Exception as problem:  # the code moved or changed shape
            rows.append((label, f"n/a ({type(problem).__name__}: {str(problem)[:80]})"))

    def signature() -> Runner:
        verifier = SignatureVerifier(SECRET)
        body = check_body(by_id[0], hook, 1).decode()
        stamp = str(int(time.time()))
        signed = sign(stamp, body.encode())
        return Calls(lambda i: verifier.is_valid(body, stamp, signed))

    class Dispatch(Runner):
        def __init__(self, requests: list[Request]) -> None:
            self.requests = [(body.decode(), kind) for body, kind in requests]
            self.prepare()

        def prepare(self) -> None:
            stamp = str(int(time.time()))
            self.headers = [{"content-type": kind, "x-slack-request-timestamp": stamp,
                             "x-slack-signature": sign(stamp, body.encode())}
                            for body, kind in self.requests]

        def __call__(self, i: int) -> object:
            n = i % len(self.requests)
            return bolt.dispatch(BoltRequest(body=self.requests[n][0],
                                             headers=dict(self.headers[n])))

    def handoff() -> Runner:
        executor = services.background
        return Calls(lambda i: executor.submit(int).result())

    def uow_open_close() -> Runner:
        def run(i: int) -> None:
            with services.uow() as uow:
                uow.session.connection()
        return Calls(run)

    def in_uow(step: Callable[[Any, str], object], among: list[str]) -> Callable[[], Runner]:
        def setup() -> Runner:
            uow = services.uow().__enter__()
            cleanup.append(lambda: uow.__exit__(None, None, None))
            return Calls(lambda i: step(uow, among[i % len(among)]))
        return setup

    def ids(query: str) -> list[str]:
        return list(dict.fromkeys((query, query.upper())))

    def key(query: str) -> str:
        return " ".join(query.casefold().split())

    path = CheckPath(services)
    form = "application/x-www-form-urlencoded"
    measure("signature verification (slack_sdk SignatureVerifier)", signature)
    measure("Bolt dispatch: bare ack (includes the signature)",
            lambda: Dispatch([(ack_body(1), "application/json")]))
    measure("Bolt dispatch: /credit check, same mix (the check minus WSGI)",
            lambda: Dispatch([(check_body(q, hook, n), form) for n, q in enumerate(names)]))
    measure("hand-off to the background executor and back (no-op work)", handoff)
    measure(f"use case ({path.shape.split(' + ')[0]}): unit of work, lookup, SQL, exposure",
            lambda: Calls(lambda i: path.use(names[i % len(names)])))
    measure("  unit of work alone: session, connection checkout, rollback, close",
            uow_open_close)
    measure("  SQL customer by id: ids IN (q, Q) -> hit", in_uow(
        lambda uow, q: uow.customers.by_ids(ids(q)), by_id))
    measure("  SQL customer by name, 1: ids IN (q, Q) -> miss", in_uow(
        lambda uow, q: uow.customers.by_ids(ids(q)), by_name))
    measure("  SQL customer by name, 2: exact name key -> miss", in_uow(
        lambda uow, q: uow.customers.by_name_key(key(q)), by_name))
    measure("  SQL customer by name, 3: name key prefix -> hit", in_uow(
        lambda uow, q: uow.customers.by_name_prefix(key(q), 11), by_name))
    measure("  SQL aged balances of one customer (pivoted buckets)", in_uow(
        lambda uow, q: uow.receivables.aged_balances([q], today, policy.buckets), by_id))
    measure("  SQL open orders of one customer", in_uow(
        lambda uow, q: uow.receivables.order_balances([q]), by_id))
    measure("  SQL latest FX rates", in_uow(
        lambda uow, q: uow.rates.latest(today, policy.base_currency), by_id))

    def exposure() -> Runner:
        from domain.exposure import credit_position
        from domain.fx import FxRates

        with services.uow() as uow:
            prepared = []
            for q in by_id[:50]:
                customer = uow.customers.get(q)
                prepared.append((customer.credit_limit,
                                 uow.receivables.aged_balances([q], today, policy.buckets),
                                 uow.receivables.order_balances([q]),
                                 uow.rates.latest(today, policy.base_currency)))

        def run(i: int) -> object:
            limit, aged, orders, rates = prepared[i % len(prepared)]
            # A fresh FxRates each time: each request builds its own.
            fx = FxRates(policy.base_currency, today, rates)
            return credit_position(limit, aged, orders, fx, policy.buckets, today)
        return Calls(run)

    measure("  exposure + FX in Python (credit_position)", exposure)

    found = [path.use(q) for q in names[:50]]

    def card(validate: bool) -> Callable[[], Runner]:
        def setup() -> Runner:
            def run(i: int) -> object:
                return path.render(found[i % len(found)])
            if validate:
                return Calls(run)
            from slack_sdk.models.basic_objects import JsonObject

            def unvalidated(i: int) -> object:
                original = JsonObject.validate_json
                JsonObject.validate_json = lambda self: None  # type: ignore[method-assign]
                try:
                    return run(i)
                finally:
                    JsonObject.validate_json = original  # type: ignore[method-assign]
            return Calls(unvalidated)
        return setup

    measure("Block Kit card (to plain dicts, with any slack_sdk validation)", card(True))
    measure("  the same with slack_sdk's validate_json switched off", card(False))

    def encode() -> Runner:
        text, blocks = path.render(found[0])
        body = {"text": text, "blocks": blocks, "response_type": "ephemeral"}
        return Calls(lambda i: json.dumps(body))

    measure("JSON encoding of the answer (json.dumps, as BoltResponse does)", encode)
    for done in cleanup:
        done()
    return rows


# -- the profile --------------------------------------------------------------------------

class InlineExecutor(Executor):
    """Stands in for the bot's background executor while profiling: the work runs in
    the request's thread, so one profile holds the whole check and no thread's time is
    spent waiting for another (the hand-off itself is timed among the phases)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as error:
            done.set_exception(error)
        return done


GROUPS = (  # (label, part of the code's file name); the first match wins
    ("slack_sdk signature", "slack_sdk/signature"),
    ("slack_sdk models (Block Kit, validation)", "slack_sdk/models"),
    ("slack_sdk other", "slack_sdk/"),
    ("slack_bolt", "slack_bolt/"),
    ("SQLAlchemy", "sqlalchemy/"),
    ("psycopg", "psycopg"),
    ("json", "/json/"),
    ("threads, futures, queue", "/concurrent/"),
    ("threads, futures, queue", "/threading.py"),
    ("threads, futures, queue", "/queue.py"),
    ("uuid", "/uuid.py"),
    ("logging", "/logging/"),
    ("urllib (form parsing)", "/urllib/"),
    ("creditbot handlers", "/handlers/"),
    ("creditbot domain", "/domain/"),
    ("creditbot storage", "/storage/"),
    ("creditbot bot (WSGI)", "/bot/"),
    ("this script (the client)", "profile_check.py"),
)

# Phases of a check: (label, regular expression on "file:function"), cumulative time of
# the outermost calls. Written against both shapes of the handler code.
PHASES = (
    ("WSGI app (bot.web application), everything", r"bot/web\.py:application$"),
    ("  signature check in bot.web (when it does its own)",
     r"bot/web\.py:signature_problem$"),
    ("  delivery de-duplication (claim a key in the database)",
     r"storage/requests\.py:claim$"),
    ("  BoltRequest: body parsing, context", r"slack_bolt/request/request\.py:__init__$"),
    ("  Bolt App.dispatch (CreditBolt's for /credit)",
     r"(slack_bolt/app/app|bot/slack_app)\.py:dispatch$"),
    ("    /credit straight to its listener (handlers.credit.CreditCommand)",
     r"handlers/credit\.py:__call__$"),
    ("    signature verification middleware",
     r"middleware/request_verification/request_verification\.py:process$"),
    ("    authorization middleware (single team)",
     r"middleware/authorization/single_team_authorization\.py:process$"),
    ("    creditbot middleware (attach: context, Replier)", r"/handlers/.*:attach(_to)?$"),
    ("    listener matching", r"slack_bolt/listener/listener\.py:matches$"),
    ("    listener argument injection", r"kwargs_injection/utils\.py:build_required_kwargs$"),
    ("    ack(): BoltResponse with the card, json.dumps",
     r"slack_bolt/context/ack/ack\.py:__call__$"),
    ("  answer on the executor (use case + card)", r"/handlers/answer\.py:safely$"),
    ("    use case (CreditChecks.check, or customer_position before the restructure)",
     r"(domain/check/use_cases\.py:check|domain/positions\.py:customer_position)$"),
    ("      resolve the customer (lookup statements)",
     r"domain/lookup\.py:resolve_(subject|customer)$"),
    ("      data version statement (storage.check_reads)", r"storage/check_reads\.py:version$"),
    ("      aged balances statement",
     r"storage/(repositories/receivables|check_reads)\.py:aged_balances$"),
    ("      open orders statement",
     r"storage/(repositories/receivables|check_reads)\.py:order_balances$"),
    ("      FX rates statement", r"storage/(repositories/rates|check_reads)\.py:latest$"),
    ("      exposure (credit_position)", r"domain/exposure\.py:credit_position$"),
    ("      audit entry (ORM add)", r"storage/repositories/audit\.py:append$"),
    ("      commit (flush + COMMIT)", r"storage/unit_of_work\.py:commit$"),
    ("      unit of work exit (rollback, close, pool return)",
     r"storage/unit_of_work\.py:__exit__$"),
    ("      check read exit (cursor close, pool return)", r"storage/check_reads\.py:__exit__$"),
    ("    card (Block Kit)", r"/handlers/.*:(card|check_card)$"),
    ("      slack_sdk to_dict (validation, serialisation)",
     r"slack_sdk/models/basic_objects\.py:to_dict$"),
    ("all SQL statements (Connection.execute)", r"sqlalchemy/engine/base\.py:execute$"),
    ("  DB driver execute",
     r"(method 'execute' of 'sqlite3\.Cursor' objects>|psycopg/cursor\.py:execute)$"),
    ("json.dumps (all)", r"json/__init__\.py:dumps$"),
)


def group_of(key: tuple[str, int, str]) -> str | None:
    filename = key[0]
    if filename == "~":
        return None
    for label, part in GROUPS:
        if part in filename:
            return label
    return "other Python: " + Path(filename).name


def own_time_by_group(stats: pstats.Stats) -> dict[str, float]:
    """Own time per library; a C function's time goes to its callers' libraries (the
    sqlite3 cursor's time to SQLAlchemy, decimal's to the domain), except the database
    driver's, which is shown on its own."""
    totals: dict[str, float] = defaultdict(float)
    raw = stats.stats  # type: ignore[attr-defined]
    for key, (_, _, own, _, callers) in raw.items():
        group = group_of(key)
        if group is not None:
            totals[group] += own
            continue
        builtin = key[2]
        if any(word in builtin for word in ("sqlite3", "psycopg", "pq")):
            totals[f"database driver ({builtin[:60]})"] += own
            continue
        split = sum(c[2] for c in callers.values()) or 1.0
        for caller, (_, _, caller_own, _) in callers.items():
            totals[f"{group_of(caller) or 'C'} (C calls)"] += own * caller_own / split
    return totals


def phase_times(stats: pstats.Stats) -> list[tuple[str, float, int]]:
    """(label, cumulative seconds, calls) per PHASES entry, summed over matching
    functions."""
    import re

    raw = stats.stats  # type: ignore[attr-defined]
    named = {key: f"{key[0]}:{key[2]}" for key in raw}
    found = []
    for label, pattern in PHASES:
        rx = re.compile(pattern)
        total, calls = 0.0, 0
        for key, name in named.items():
            if rx.search(name):
                total += raw[key][3]
                calls += raw[key][0]
        found.append((label, total, calls))
    return found


def profile_checks(url: str, emulator: Any, requests: Requests, count: int,
                   top: int, per_check_us: float, cpu_timer: bool) -> None:
    app, _, services = build(url, emulator, background=InlineExecutor())
    warm = WsgiRequests(app, requests, 200, expect_card)
    for i in range(200):
        warm(i)
    run = WsgiRequests(app, requests, count, expect_card)
    profile = cProfile.Profile(time.thread_time) if cpu_timer else cProfile.Profile()
    profile.enable()
    for i in range(count):
        run(i)
    profile.disable()
    services.engine.dispose()
    stats = pstats.Stats(profile)
    raw = stats.stats  # type: ignore[attr-defined]
    profiled = sum(v[2] for v in raw.values())
    calls = sum(v[1] for v in raw.values())
    per = profiled / count * 1e6
    scale = per_check_us / per
    print(f"\ncProfile of {count} checks, {'thread CPU' if cpu_timer else 'wall'} clock, the "
          f"answer computed in the request's thread: {per:.0f} µs/check profiled, "
          f"{calls / count:.0f} function calls/check, vs {per_check_us:.0f} µs unprofiled. "
          "The profiler inflates code that makes many small Python calls most; the µs "
          "below are scaled to the unprofiled figure.")
    print("\nPhases (cumulative time of the outermost calls; nested rows are parts of the "
          "row above):")
    for label, total, n in phase_times(stats):
        if n:
            print(f"  {total / count * 1e6 * scale:7.0f} µs  {total / profiled:6.1%}  "
                  f"{n / count:5.1f} calls/check  {label}")
        else:
            print(f"      n/a                                  {label} (not called)")
    print(f"\nOwn time by library (share of the profile; µs scaled to {per_check_us:.0f}):")
    groups = sorted(own_time_by_group(stats).items(), key=lambda kv: -kv[1])
    for label, own in groups:
        if own / profiled >= 0.005:
            print(f"  {own / count * 1e6 * scale:7.0f} µs  {own / profiled:6.1%}  {label}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(f"\nTop {top} by {order} (seconds for all {count} checks, profiled):")
        print(text[text.find("   ncalls"):].rstrip())


# -- main ---------------------------------------------------------------------------------

def describe_code(root: Path) -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return done.stdout.strip()

    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                             "--untracked-files=no"], capture_output=True, text=True).stdout
    dirty = [line[3:] for line in status.splitlines()]
    return (f"{root} at {git('rev-parse', '--short', 'HEAD')}"
            + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else ""))


def run_here(args: argparse.Namespace, url: str, label: str) -> None:
    import bot
    from bot.sandbox.emulator import SlackEmulator

    code_root = Path(bot.__file__).resolve().parents[1]
    names = queries(args.customers if not args.big else 20_000)
    print(f"[{label}] code: {describe_code(code_root)}")
    print(f"  {args.n} requests per round, {args.rounds} rounds, CPU of the whole process "
          "(time.process_time); best round, then the median")
    with SlackEmulator(token=TOKEN) as emulator:
        app, bolt, services = build(url, emulator)
        checks = check_requests(names, emulator)
        warm_ack = WsgiRequests(app, ack_requests, 300, expect_ack)
        warm_check = WsgiRequests(app, checks, 300, expect_card)
        for i in range(300):  # warm: imports, statement caches, pool, executor threads
            warm_ack(i)
            warm_check(i)
        run_ack = WsgiRequests(app, ack_requests, args.n, expect_ack)
        run_check = WsgiRequests(app, checks, args.n, expect_card)
        ack = cpu_per_call(run_ack, args.n, args.rounds)
        check = cpu_per_call(run_check, args.n, args.rounds)
        print(f"  bare signed ack (url_verification): {ack[0]:7.0f} µs CPU/request "
              f"(median {ack[1]:.0f})")
        print(f"  /credit check (70% id, 30% prefix): {check[0]:7.0f} µs CPU/request "
              f"(median {check[1]:.0f})")
        print(f"  ratio check / ack                 : {check[0] / ack[0]:7.2f}x "
              f"(goal: at most 3x)")
        if not args.no_phases:
            print("\nPhases, each timed alone (best of the rounds, µs CPU per call):")
            for phase, value in phase_table(bolt, services, names, max(args.n // 2, 200),
                                            args.rounds):
                shown = f"{value:7.0f}" if isinstance(value, float) else f"    {value}"
                print(f"  {shown}  {phase}")
        services.engine.dispose()
        if not args.no_profile:
            profile_checks(url, emulator, checks, args.n, args.top, check[0],
                           args.timer == "cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--big", action="store_true",
                        help="bench_serve's 20,000 customers / 1,000,000 invoices")
    parser.add_argument("--database", help="an already loaded database URL instead")
    parser.add_argument("--code", type=Path, help="run the bot's code from this tree")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--timer", choices=["wall", "cpu"], default="wall",
                        help="cProfile's clock: wall (cheap; waits for PostgreSQL count) "
                             "or per-thread CPU (exact but inflates small calls more)")
    parser.add_argument("--no-phases", action="store_true")
    parser.add_argument("--label", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database or ensure_database(args.customers, args.invoices, args.big)
    label = args.label or (f"{url.split(':', 1)[0].split('+')[0]}, " + (
        "given database" if args.database else
        "20,000 customers / 1,000,000 invoices" if args.big else
        f"{args.customers:,} customers / {args.invoices:,} invoices"))
    if args.code is None:
        run_here(args, url, label)
        return
    # A fresh interpreter whose bot, handlers, domain and storage come from DIR: it is
    # first on sys.path, ahead of the editable install's finder for this tree. The
    # script runs by its file name and, given --database, imports nothing from tests.*.
    code = args.code.resolve()
    forwarded = ["-n", str(args.n), "--rounds", str(args.rounds), "--top", str(args.top),
                 "--customers", str(args.customers), "--database", url, "--label", label,
                 *(["--big"] if args.big else []),
                 *(["--no-profile"] if args.no_profile else []),
                 *(["--no-phases"] if args.no_phases else []), "--timer", args.timer]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(code), *filter(None, [os.environ.get("PYTHONPATH")])])}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *forwarded],
                   env=env, cwd=code, check=True)


if __name__ == "__main__":
    main()
