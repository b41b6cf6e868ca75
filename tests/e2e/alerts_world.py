"""What the alerts end-to-end tests share: a small organisation (app.yaml in tmp_path),
a handful of customers whose invoices the test controls, the time the use cases see
(``Clock``), the real ``alerts`` job run through ``bot.scheduler.run_job``, and the real
outbox sender delivering to the Slack emulator on a fake clock (no real waiting).

The portfolio on ``DAY`` (Asia/Shanghai), what it raises with the default routes, and
where each goes:

========  ================================  =======================================
customer  figures                           alerts
========  ================================  =======================================
C-ACME    sales, USD, 20,000 due 85 d ago   overdue 61-90 (warning): #sales, #finance
C-BOLT    export, EUR (1.10 USD), limit     overdue 1-30 (info): #export, #finance;
          100,000; 95,000 due 10 d ago,     limit 115 % (critical): #credit + DM to
          20,000 not due                    the credit manager; large invoice
                                            (104,500 USD, warning): #credit
C-CEDAR   no department, owner in export,   overdue 31-60 (warning): #export (its
          USD, limit 10,000; 8,000 due 45   owner's department), #finance; limit 90 %
          d ago, 1,000 not due              (warning): #credit
C-DELTA   sales, USD, 5,000 not due         nothing
C-ECHO    sales, USD, 5,000 due 120 d ago   overdue 90+ (critical): #sales, #finance,
                                            #legal
========  ================================  =======================================

Six days later C-ACME is 91 days past due (90+) while nobody else crosses a bucket
edge: C-BOLT 16 days, C-CEDAR 51, C-ECHO 126.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from bot.config import AppConfig
from bot.sandbox.emulator import SlackEmulator
from bot.scheduler import RunResult, job_context, run_job
from domain.alerts.model import AlertState
from domain.lookup import normalize_name
from handlers.delivery.sender import DeliveryReport, Sender, delivery_client
from handlers.registry import Job
from storage import jobs as job_records
from storage.alerts import _state_from_row
from storage.models import (
    AlertDigestRow,
    AlertStateRow,
    AuditRow,
    ContractRow,
    CustomerRow,
    ExchangeRateRow,
    InvoiceRow,
    OutboxRow,
)
from storage.outbox import OutboxStore
from tests.e2e.outbox_world import FakeClock

TOKEN = "xoxb-alerts-e2e"
SECRET = "alerts-e2e-signing-secret"

# 08:30 in Shanghai on Monday 30 November 2026.
START = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
DAY = date(2026, 11, 30)

SALES = "C0SALES0001"
EXPORT = "C0EXPORT001"
CREDIT = "C0CREDIT001"
FINANCE = "C0FINANCE01"
LEGAL = "C0LEGAL0001"
ADMINS = "C0ADMINS001"

AMY = "U0SALESAMY1"       # sales, owns Acme, Delta and Echo
EVA = "U0EXPORTEVA"       # export, owns Bolt and Cedar
MEI = "U0CREDITMEI"       # credit manager
ANN = "U0CREDITANN"       # credit analyst
FIN = "U0FINANCE01"
LEX = "U0LEGAL0001"
STRANGER = "U0STRANGER1"  # in no department and no role: no access to credit data

# The direct message channel the emulator opens with the credit manager.
MEI_DM = "D" + MEI[1:12]

APP_YAML = f"""\
organisation:
  name: Alerts Test Trading
  base_currency: USD
  timezone: Asia/Shanghai
  locale: en-US
  admin_channel: {ADMINS}
departments:
  sales:
    name: Sales
    channel: {SALES}
    members: [{AMY}]
  export:
    name: Export Sales
    channel: {EXPORT}
    members: [{EVA}]
  credit:
    name: Credit Management
    channel: {CREDIT}
    members: [{MEI}, {ANN}]
  finance:
    name: Finance
    channel: {FINANCE}
    members: [{FIN}]
  legal:
    name: Legal
    channel: {LEGAL}
    members: [{LEX}]
roles:
  credit_manager: [{MEI}]
  credit_analyst: [{ANN}]
  sales: [{AMY}, {EVA}]
  legal: [{LEX}]
aging:
  bucket_edges: [30, 60, 90]
access:
  credit_data:
    roles: []
    departments: []
alerts:
  utilisation:
    - {{at: 80, severity: warning}}
    - {{at: 100, severity: critical}}
  large_invoice: 100000
  contract_notice_days: 30
scheduler:
  lease_seconds: 45
"""


def write_config(directory: Path, text: str = APP_YAML) -> Path:
    path = directory / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Clock:
    """The time the alerts use cases see; the test moves it."""

    at: datetime = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def _customer(cid: str, name: str, currency: str, limit: str, department: str | None,
              owner: str) -> dict[str, Any]:
    return dict(customer_id=cid, name=name, name_key=normalize_name(name), currency=currency,
                credit_limit=Decimal(limit), payment_terms_days=30, department=department,
                owner_slack_id=owner, country="DE" if currency == "EUR" else "US")


def invoice(iid: str, cid: str, amount: str, currency: str, due: date,
            status: str = "open") -> dict[str, Any]:
    return dict(invoice_id=iid, customer_id=cid, issue_date=due - timedelta(days=30),
                due_date=due, amount=Decimal(amount), currency=currency,
                open_amount=Decimal(amount), status=status)


def seed(engine: Engine, day: date = DAY) -> None:
    """The portfolio of the module's table, as of ``day``."""
    def ago(days: int) -> date:
        return day - timedelta(days=days)

    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), [
            _customer("C-ACME", "Acme Industrial Supply", "USD", "100000.00", "sales", AMY),
            _customer("C-BOLT", "Bolt & Nut GmbH", "EUR", "100000.00", "export", EVA),
            _customer("C-CEDAR", "Cedar Foods", "USD", "10000.00", None, EVA),
            _customer("C-DELTA", "Delta Retail", "USD", "100000.00", "sales", AMY),
            _customer("C-ECHO", "Echo Hardware", "USD", "50000.00", "sales", AMY),
        ])
        conn.execute(insert(InvoiceRow), [
            invoice("INV-A1", "C-ACME", "20000.00", "USD", ago(85)),
            invoice("INV-B1", "C-BOLT", "95000.00", "EUR", ago(10)),
            invoice("INV-B2", "C-BOLT", "20000.00", "EUR", ago(-20)),
            invoice("INV-C1", "C-CEDAR", "8000.00", "USD", ago(45)),
            invoice("INV-C2", "C-CEDAR", "1000.00", "USD", ago(-10)),
            invoice("INV-D1", "C-DELTA", "5000.00", "USD", ago(-15)),
            invoice("INV-E1", "C-ECHO", "5000.00", "USD", ago(120)),
        ])
        conn.execute(insert(ExchangeRateRow), [
            dict(date=day - timedelta(days=30), currency="EUR", rate_to_base=Decimal("1.10"))])


def pay(engine: Engine, invoice_id: str) -> None:
    """Tomorrow's ERP export says the invoice is paid."""
    with engine.begin() as conn:
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == invoice_id)
                     .values(open_amount=Decimal(0), status="paid"))


def reopen(engine: Engine, invoice_id: str) -> None:
    """The ERP says the invoice is open again (the payment bounced)."""
    with engine.begin() as conn:
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == invoice_id)
                     .values(open_amount=InvoiceRow.amount, status="open"))


def add_invoice(engine: Engine, *rows: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(InvoiceRow), list(rows))


def many_overdue(engine: Engine, count: int, day: date = DAY) -> None:
    """``count`` more sales customers, each 1,000 USD five days overdue (info): a
    digest long enough for #sales and #finance to need pages in their thread."""
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), [
            _customer(f"C-M{n:04d}", f"Many Hands {n:04d}", "USD", "100000.00", "sales", AMY)
            for n in range(count)])
        conn.execute(insert(InvoiceRow), [
            invoice(f"INV-M{n:04d}", f"C-M{n:04d}", "1000.00", "USD", day - timedelta(days=5))
            for n in range(count)])


def add_contract(engine: Engine, contract_id: str, customer_id: str, ends: date, limit: str,
                 currency: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(ContractRow), [dict(
            contract_id=contract_id, customer_id=customer_id,
            start_date=ends - timedelta(days=365), end_date=ends, payment_terms_days=30,
            credit_limit=Decimal(limit), currency=currency)])


def add_rate(engine: Engine, currency: str, rate: str, day: date) -> None:
    with engine.begin() as conn:
        conn.execute(insert(ExchangeRateRow), [
            dict(date=day, currency=currency, rate_to_base=Decimal(rate))])


def alerts_job() -> Job:
    """The ``alerts`` job as the scheduler runs it."""
    from handlers.alerts import FEATURE

    [job] = [j for j in FEATURE.jobs if j.name == "alerts"]
    return job


# -- reading what happened --------------------------------------------------------------

def states(engine: Engine) -> dict[str, AlertState]:
    with engine.connect() as conn:
        return {row.condition: _state_from_row(row)
                for row in conn.execute(select(AlertStateRow.__table__))}


@dataclass(frozen=True)
class StoredDigest:
    id: int
    run_at: datetime
    destination: str
    conditions: list[str]
    changes: list[str]
    pages: list[int]


def digests(engine: Engine) -> list[StoredDigest]:
    with engine.connect() as conn:
        rows = conn.execute(select(AlertDigestRow.__table__).order_by(AlertDigestRow.id))
        return [StoredDigest(
            row.id, row.run_at, row.destination,
            [f"{line['alert']['type']}:{line['alert']['key']}" for line in row.lines],
            [line["change"] for line in row.lines], [int(p) for p in row.pages])
            for row in rows]


def outbox(engine: Engine) -> list[OutboxRow]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def outbox_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(OutboxRow)).scalar_one())


def audit(engine: Engine, action: str) -> list[AuditRow]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.action == action)
                                    .order_by(AuditRow.id)))


def alert_runs(engine: Engine) -> list[job_records.JobRun]:
    """The ``alerts`` job's record, as ``creditbot jobs list`` reads it."""
    return job_records.runs(engine, "alerts")


def check_consistent(engine: Engine, scans: int) -> None:
    """Nothing half-written: every state a scan says it announced is in a digest of that
    scan, every digest line has its state, every digest its pages in the outbox (and
    every digest page in the outbox belongs to a digest), and ``scans`` scans
    finished (audited once each)."""
    found = states(engine)
    stored = digests(engine)
    carried = {(condition, digest.run_at) for digest in stored
               for condition in digest.conditions}
    for condition, state in found.items():
        assert state.last_announced_at is not None, condition
        assert (condition, state.last_announced_at) in carried, condition
    for digest in stored:
        for condition in digest.conditions:
            assert condition in found, (digest.id, condition)
        assert digest.pages, digest
    rows = [row for row in outbox(engine) if row.kind == "alerts.digest" and
            row.update_of is None]
    assert sorted(row.id for row in rows) == sorted(p for d in stored for p in d.pages)
    assert len(audit(engine, "alerts.scanned")) == scans


def posted_outbox_ids(emulator: SlackEmulator) -> Counter[int]:
    """How many times each outbox row reached a channel, read from the posts Slack took
    (answered 200 and ok) and their metadata."""
    found: Counter[int] = Counter()
    for call in emulator.calls_to("chat.postMessage"):
        if call.status != 200:
            continue
        metadata = call.args.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        found[metadata["event_payload"]["outbox_id"]] += 1
    return found


class FlakyEmulator(SlackEmulator):
    """The emulator with history, that also knows when no request is in flight: a post
    answered too late for the client is still being worked on until it is recorded.
    It stops within 50 ms rather than the half second of serve_forever's default poll."""

    def start(self) -> FlakyEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name="slack-emulator")
        self._thread.start()
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started = 0

    def _take_fault(self, method: str) -> Any:
        with self._lock:
            self.started += 1
        return super()._take_fault(method)

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.calls) < self.started:
                left = deadline - time.monotonic()
                assert left > 0, "the emulator is still answering"
                self._changed.wait(left)


class Gate:
    """A TCP door in front of the database server: open, it forwards every connection;
    shut, it hangs up on each at once, as a server restarting does."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.open = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._live: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name="gate").start()

    def shut(self) -> None:
        """Hangs up on every connection and refuses new ones until opened again."""
        self.open.clear()
        for end in self._live:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self._live.clear()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            self._live.extend((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def url(self, database_url: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(database_url).set(host="127.0.0.1", port=self.port) \
            .render_as_string(hide_password=False)

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def quick_server(app: Any) -> Any:
    """The bot's HTTP app on a local port (``LocalServer``), stopping within 50 ms."""
    from bot.local_server import LocalServer

    server = LocalServer(app)
    server._thread = threading.Thread(target=server._server.serve_forever,
                                      kwargs={"poll_interval": 0.05}, daemon=True,
                                      name="creditbot-http")
    return server


def shown(emulator: SlackEmulator, channel: str) -> list[dict[str, Any]]:
    """The messages a person sees in ``channel`` now (edits applied), oldest first."""
    return list(emulator.channels.get(channel, []))


def sections(message: dict[str, Any]) -> list[str]:
    """The mrkdwn text of a message's section blocks, in order."""
    return [block["text"]["text"] for block in message.get("blocks") or []
            if block.get("type") == "section"]


def contexts(message: dict[str, Any]) -> list[str]:
    return [element["text"] for block in message.get("blocks") or []
            if block.get("type") == "context" for element in block["elements"]]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            found.extend({**element, "block_id": block.get("block_id")}
                         for element in block["elements"] if element.get("type") == "button")
    return found


def button_for(message: dict[str, Any], label: str, condition: str) -> dict[str, Any]:
    for found in buttons(message):
        if found["text"]["text"] == label and \
                json.loads(found.get("value") or "{}").get("condition") == condition:
            return found
    raise AssertionError(f"no {label!r} button for {condition} in {buttons(message)}")


# -- the world -------------------------------------------------------------------------

@dataclass
class AlertsWorld:
    engine: Engine
    config: AppConfig
    config_path: Path
    emulator: SlackEmulator
    clock: Clock = field(default_factory=Clock)
    sender_clock: FakeClock = field(default_factory=FakeClock)
    host: str = "test-scheduler"
    _sender: Sender | None = None

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = make_sender(self.engine, self.emulator, self.sender_clock)
        return self._sender

    def context(self) -> dict[str, Any]:
        return job_context(self.engine, self.config, clock=self.clock)

    def run(self) -> RunResult:
        """One run of the real ``alerts`` job, recorded in job_runs."""
        return run_job(self.engine, alerts_job(), self.context(), self.host)

    def deliver(self) -> DeliveryReport:
        return drain(self.sender, self.sender_clock)

    def posts(self) -> list[Any]:
        return [c for c in self.emulator.calls_to("chat.postMessage") if c.status == 200]


def make_sender(engine: Engine, emulator: SlackEmulator, clock: FakeClock,
                timeout: int = 10, **options: Any) -> Sender:
    """A sender on the test's clock; ``timeout``: how long it waits for each answer (a
    loaded machine's emulator can take over a second, so only the tests of timeouts wait
    less)."""
    settings: dict[str, Any] = {"admin_channel": ADMINS, "owner": "alerts-test-sender",
                                "settle": timedelta(seconds=5)}
    settings.update(options)
    return Sender(OutboxStore(engine), delivery_client(TOKEN, emulator.api_url,
                                                       timeout=timeout),
                  clock=clock, **settings)


def drain(sender: Sender, clock: FakeClock, passes: int = 200,
          between: Callable[[], None] | None = None) -> DeliveryReport:
    """Delivery passes until nothing is left, moving the fake clock to each retry (a
    rate limit's Retry-After, a backoff, a channel's pace)."""
    total = DeliveryReport()
    idle = 0
    for _ in range(passes):
        report = sender.deliver_due()
        total = total + report
        if between is not None:
            between()
        if report == DeliveryReport():
            idle += 1
            if idle > 3:
                return total
            clock.advance(60 * 10 ** (idle - 1))
        else:
            idle = 0
    raise AssertionError(f"the outbox did not drain in {passes} passes: {total}")
