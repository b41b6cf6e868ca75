"""`creditbot serve`: gunicorn workers over HTTP, or one Socket Mode connection.

The bot token is checked once, here in the master before any worker starts, never in
the workers: gunicorn's master stops every worker when one fails to boot, so a worker
that needed Slack to boot would turn a Slack outage during a restart into a full one.
"""

from __future__ import annotations

# At import, in the main thread: imported lazily by the scheduler's supervisor thread, a
# worker gunicorn forked meanwhile inherited ctypes' import lock held, and hung for good
# on its first import of it (icalendar's dateutil imports it).
import ctypes
import errno
import gc
import ipaddress
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.config import AppConfig, load_config
from bot.config_record import SERVE_CHILD, config_on_record
from bot.host_checks import autogroup_warning, read_autogroup
from bot.log_lines import FORMAT, OneLineFormatter
from bot.settings import Settings
from bot.slack_app import SlackIdentity, TokenRefused, check_token, create_bolt_app
from bot.web import WSGIApp, create_wsgi_app
from bot.wiring import Services, build_services
from domain.errors import DomainError
from domain.text import N_
from storage.db import SERVE_STATEMENT_TIMEOUT_SECONDS, make_engine

log = logging.getLogger("creditbot.serve")


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    # force: in place of any handler set before (the one-line guarantee is for every line)
    logging.basicConfig(level=level, handlers=[handler], force=True)


def serving_services(config: AppConfig | None = None) -> Services:
    """The services of a server process: like the CLI's, but every statement is bounded
    (a request must not wait on a stuck database; imports and migrations may).
    ``config``: app.yaml as the server read it at start (else read now)."""
    services = Services(Settings(), config) if config is not None else build_services()
    services.engine = make_engine(services.settings.database_url,
                                  statement_timeout=SERVE_STATEMENT_TIMEOUT_SECONDS)
    return services


# How often a serving process makes sure it holds a connection to PostgreSQL.
PRESENCE_SECONDS = 15.0


def keep_present(engine: Engine, every: float = PRESENCE_SECONDS,
                 stop: threading.Event | None = None) -> threading.Thread | None:
    """Keeps one connection of ``engine``'s pool open, named ``creditbot serve <pid>``,
    so that ``creditbot db upgrade`` sees this process in ``pg_stat_activity``: a worker
    that had answered nothing yet held none, nor one whose connections a PostgreSQL
    restart had closed, and an upgrade went through under it. Opened again within
    ``every`` seconds of a restart; nothing on SQLite (the lease file is all there is).
    ``stop``: ends it (else the process's end does)."""
    if engine.dialect.name != "postgresql":
        return None
    stopped = stop or threading.Event()

    def hold() -> None:
        while not stopped.is_set():
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except (SQLAlchemyError, OSError):
                pass  # the database away: /healthz says so; this tries again
            stopped.wait(every)

    thread = threading.Thread(target=hold, name="creditbot-presence", daemon=True)
    thread.start()
    return thread


def build_wsgi_app(identity: SlackIdentity, config: AppConfig | None = None) -> WSGIApp:
    """Runs in each worker after the fork: each gets its own engine and connections,
    and the configuration the server read at start (app.yaml is not read again: a
    worker restarted after an edit ran another configuration than its siblings, or,
    the edit broken, failed to boot and took the whole server down with it)."""
    services = serving_services(config)
    app = create_wsgi_app(create_bolt_app(services, identity=identity), services.engine,
                          identity=identity)
    keep_present(services.engine)
    # What start-up built lives as long as the worker: frozen out of the collector's
    # way, a full collection no longer walks it (it took up to ~0.1 s a time under load,
    # the tail of the serve benchmark's latency).
    gc.collect()
    gc.freeze()
    # Remembered positions and cards are many small long-lived objects: collect the
    # young generation less often (the default 700 made collections a tenth of a check).
    gc.set_threshold(100_000, 20, 1000)
    return app


def warn_about_host(settings: Settings) -> None:
    """One warning line for a host setting known to stall the bot (``bot.host_checks``);
    serves anyway: the setting is the host's to change."""
    problem = autogroup_warning(settings.database_url, read_autogroup())
    if problem:
        log.warning("%s", problem)


def verify_token(settings: Settings, socket_mode: bool = False,
                 scheduler: bool = False) -> SlackIdentity:
    """Stops the server with one line if Slack refuses the token; serves anyway, with a
    warning, if Slack cannot be reached (over HTTP commands are answered within the
    response, without the Web API; Socket Mode connects once Slack answers).
    ``scheduler``: a ``creditbot scheduler`` on its own, which answers no command."""
    said = logging.getLogger("creditbot.scheduler") if scheduler else log
    try:
        identity = check_token(settings)
    except TokenRefused as refused:
        raise SystemExit(f"error: {refused}") from None
    if identity.verified:
        said.info("Slack knows the token: bot user %s in team %s", identity.user_id,
                  identity.team_id)
    elif scheduler:
        said.warning("%s; running the jobs anyway: what they queue is delivered once it "
                     "answers", identity.problem)
    elif socket_mode:
        said.warning("%s; Socket Mode connects once Slack answers", identity.problem)
    else:
        said.warning("%s; serving anyway: commands are answered, replies through Slack "
                     "will fail until it answers (see /healthz)", identity.problem)
    return identity


class OneLineGunicornLogger(GunicornLogger):  # type: ignore[misc]
    """Gunicorn's own lines (a worker booted, killed, timed out) in creditbot's format:
    "[2026-12-05 20:00:09 +0000] [30216] [ERROR] Worker … was sent SIGKILL!" escaped a
    grep or a parser written for every other line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(OneLineFormatter(FORMAT))


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], identity: SlackIdentity,
                 config: AppConfig | None = None) -> None:
        self._options = options
        self._identity = identity
        self._config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        # Gunicorn 27's control socket is one file per user ($HOME/.gunicorn/): a second
        # serve on the host took it over, and stopping the first deleted it. creditbot
        # does not use it (older gunicorns have no such setting).
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self) -> WSGIApp:
        return build_wsgi_app(self._identity, self._config)


class CannotListen(DomainError):
    pass


def require_free_port(port: int, host: str = "0.0.0.0") -> None:
    """Gunicorn says a taken port in eleven lines over five seconds, then exits; an
    address this host does not have, in a traceback."""
    host = host.removeprefix("[").removesuffix("]")  # [::1], as URLs write IPv6
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as unknown:
        raise CannotListen(N_("--host {host} is no address of this machine ({reason}): give "
                           "one of its addresses, 0.0.0.0 for all or 127.0.0.1 for itself"),
                        host=host, reason=unknown.strerror or str(unknown)) from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as taken:
            if taken.errno in (errno.EADDRNOTAVAIL, errno.EINVAL):
                raise CannotListen(N_("--host {host} is no address of this machine: give one "
                                   "of its addresses, 0.0.0.0 for all or 127.0.0.1 for "
                                   "itself"), host=host) from None
            raise CannotListen(N_("port {port} is taken ({reason}): another creditbot serve, "
                               "or another program, listens there; stop it, or give "
                               "another port with --port or PORT"),
                            port=port, reason=taken.strerror or str(taken)) from None


def serve_http(port: int, workers: int, threads: int, *, scheduler: bool = True,
               host: str = "0.0.0.0") -> None:
    """Reads app.yaml once, for every worker and the scheduler child."""
    settings = Settings()
    path = Path(settings.config_path)
    text = path.read_text(encoding="utf-8")
    config = load_config(path)
    if path.read_text(encoding="utf-8") != text:  # an edit saved in between
        raise SystemExit(f"error: {path} changed while creditbot serve read it: start it "
                         "again")
    host = host.removeprefix("[").removesuffix("]")
    require_free_port(port, host)
    identity = verify_token(settings)
    warn_about_host(settings)
    exposed = exposure_note(host)
    if exposed:
        log.warning("%s", exposed)
    recording = Services(settings, config)
    try:
        config_on_record(recording, "serve")
    finally:
        # The workers open their own connections after the fork; none may be inherited.
        recording.close()
    with _scheduler_child(scheduler, text):
        _Gunicorn({
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            # Slack gives up on a request after 3 s; a worker stuck for 30 s is broken.
            "timeout": 30,
            "graceful_timeout": 10,
            "loglevel": settings.log_level.lower(),  # gunicorn's own lines too
            "logger_class": OneLineGunicornLogger,
            "preload_app": False,
        }, identity, config).run()


def exposure_note(host: str) -> str | None:
    """A line for a server listening beyond this host: gunicorn's threads read requests
    themselves, so a few connections sending their headers a byte at a time hold them
    all; a buffering proxy (nginx) in front reads whole requests first."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (f"listening on {host}, beyond this host: put a buffering reverse proxy in front "
            "(nginx; README, Running) and listen on 127.0.0.1 behind it; slow clients "
            "reaching gunicorn directly can hold every request thread")


def start_scheduler(config_file: Path | None = None) -> subprocess.Popen[bytes]:
    """``creditbot scheduler`` as a child of this process, reading ``config_file`` (else
    app.yaml as the environment names it): one candidate per host however
    many workers gunicorn runs. Not in the workers (one candidate each), and not a thread
    in gunicorn's master: the master forks the workers, and forking a process that has
    threads holding locks (the scheduler's, the database pool's) can deadlock the child.

    In a process group of its own, so that Ctrl-C in a terminal reaches serve only:
    serve stops the child itself, and any other end of the child is a death to restart."""
    preexec = None
    if sys.platform == "linux":
        # Looked up here: between fork and exec the child may only run what takes no
        # lock another thread of serve could have held at the fork (imports, dlopen).
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        preexec = partial(_stop_with_parent, prctl, os.getpid())
    # -P: the working directory does not go first on the import path, so a stray bot/
    # or inspect.py there cannot make the child run other code than the workers.
    env = {**os.environ, SERVE_CHILD: "1"}
    if config_file is not None:
        env["CREDITBOT_CONFIG"] = str(config_file)
    return subprocess.Popen([sys.executable, "-P", "-m", "bot.cli", "scheduler"],
                            preexec_fn=preexec, process_group=0, env=env)


def _stop_with_parent(prctl: Callable[..., int], parent: int) -> None:
    """Runs in the child before it starts: Linux sends it SIGTERM when serve dies, even by
    SIGKILL, so a restarted serve does not leave a second candidate on the host."""
    pr_set_pdeathsig = 1
    prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # serve died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def stop_scheduler(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM, so it releases the lease and a standby elsewhere leads at its next check."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


# A scheduler child that dies on its own is started again after a wait that doubles
# from the first to the cap at each death in a row; one that lived HEALTHY_SECONDS
# starts the count again. A child that cannot start (a broken config) is not started
# in a tight loop, and one killed by an operator or the OOM killer is back in a second.
RESTART_FIRST_SECONDS = 1.0
RESTART_CAP_SECONDS = 60.0
HEALTHY_SECONDS = 120.0
# How often the supervisor looks whether serve is stopping (a death it sees at once).
_POLL_SECONDS = 0.5


class SchedulerSupervisor:
    """Keeps one ``creditbot scheduler`` child running beside serve until ``stop``.

    A thread of serve's own process (the master, under gunicorn), which only starts,
    watches and stops the child. It starts every child itself: Linux sends the
    parent-death signal when the *thread* that started a child ends, and this thread
    outlives its children. gunicorn's master reaps every child that exits, ours
    included, so a death is seen as the child being gone, whatever its status."""

    def __init__(self, start: Callable[[], subprocess.Popen[bytes]] = start_scheduler,
                 first: float = RESTART_FIRST_SECONDS, cap: float = RESTART_CAP_SECONDS,
                 healthy: float = HEALTHY_SECONDS) -> None:
        self._start = start
        self._first, self._cap, self._healthy = first, cap, healthy
        self._stopping = threading.Event()
        self._owner = os.getpid()
        self._thread = threading.Thread(target=self._run, name="scheduler-supervisor",
                                        daemon=True)

    def start(self) -> SchedulerSupervisor:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the child (SIGTERM: it releases the lease) and the supervisor."""
        if os.getpid() != self._owner:
            # A gunicorn worker unwinding the master's stack after its fork: the child
            # is not its own.
            return
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        wait = self._first
        quick = 0  # deaths in a row of children that did not live HEALTHY_SECONDS
        while not self._stopping.is_set():
            try:
                child = self._start()
            except OSError:
                log.exception("could not start the scheduler child; trying again in %.0f s",
                              wait)
                if self._stopping.wait(wait):
                    return
                wait = min(wait * 2, self._cap)
                continue
            started = time.monotonic()
            while not self._stopping.is_set() and not _exited(child, _POLL_SECONDS):
                pass
            if self._stopping.is_set():
                stop_scheduler(child)
                return
            lived = time.monotonic() - started
            if lived >= self._healthy:
                wait, quick = self._first, 0
            quick += lived < self._healthy
            # A child that cannot start (its configuration gone, the database refused)
            # dies again and again: from the third time, an ERROR, since no job runs and
            # nothing is delivered from this host while it lasts.
            again = ""
            if quick >= 3:
                # Its own words are above only when it exited; killed, it said nothing.
                again = (f" ({quick} times in a row: no job runs and nothing is delivered "
                         "from this host until one starts"
                         + ("; its own error is above)" if (child.returncode or 0) > 0
                            else ")"))
            log.log(logging.ERROR if quick >= 3 else logging.WARNING,
                    "the scheduler child (pid %d) ended after %.0f s%s without serve "
                    "stopping it; starting another in %.0f s%s", child.pid, lived,
                    _exit_status(child.returncode), wait, again)
            if self._stopping.wait(wait):
                return
            wait = min(wait * 2, self._cap)


def _exited(child: subprocess.Popen[bytes], within: float) -> bool:
    try:
        child.wait(timeout=within)
    except subprocess.TimeoutExpired:
        return False
    return True


def _exit_status(code: int | None) -> str:
    # 0 is also what a child reaped by gunicorn's master looks like: say nothing then.
    if not code:
        return ""
    if code < 0:
        try:
            return f" ({signal.Signals(-code).name})"
        except ValueError:
            return f" (signal {-code})"
    return f" (exit status {code})"


@contextmanager
def _scheduler_child(wanted: bool, config_text: str | None = None) -> Iterator[None]:
    """The scheduler candidate beside the server. ``config_text``: app.yaml as the server
    read it, which the child reads from a private copy whenever it (re)starts: a child
    restarted after a broken edit could not start, and with it went every job and all
    delivery; after a valid one it ran other routes than the workers."""
    owner = os.getpid()
    snapshots: list[Path] = []

    def start() -> subprocess.Popen[bytes]:
        if config_text is None:
            return start_scheduler()
        # A copy of its own for each child: one written once at start was gone when a
        # child died weeks later (a host's tmpfiles cleaning ages /tmp), and every
        # restart then failed.
        fresh = _config_snapshot(config_text)
        for old in snapshots:
            old.unlink(missing_ok=True)
        snapshots[:] = [fresh]
        return start_scheduler(fresh)

    supervisor = SchedulerSupervisor(start).start() if wanted else None
    try:
        yield
    finally:
        if supervisor is not None:
            supervisor.stop()
        # A gunicorn worker leaving (SIGHUP, a worker restarted) unwinds the master's
        # stack after its fork: the copy is the master's child's. Removed by a worker,
        # every restart of the child failed.
        if os.getpid() == owner:
            for old in snapshots:
                old.unlink(missing_ok=True)


_SNAPSHOT = "creditbot-app-"


def _config_snapshot(text: str) -> Path:
    """A private copy of app.yaml (mode 0600), named after this server's pid: one left
    by a server killed with kill -9 is removed by the next to start."""
    _remove_orphaned_snapshots()
    handle, name = tempfile.mkstemp(prefix=f"{_SNAPSHOT}{os.getpid()}-", suffix=".yaml")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    return Path(name)


def _remove_orphaned_snapshots(folder: Path | None = None) -> None:
    """The copies of this user's servers that no longer run (a SIGTERM removes its own;
    a kill -9 could not). A copy of another user's is theirs to remove."""
    for copy in (folder or Path(tempfile.gettempdir())).glob(f"{_SNAPSHOT}*-*.yaml"):
        pid = copy.name.removeprefix(_SNAPSHOT).split("-", 1)[0]
        try:
            if not pid.isdigit() or copy.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            copy.unlink(missing_ok=True)
        except OSError:
            continue  # someone else's process runs under that pid, or the copy went


def serve_socket_mode(*, scheduler: bool = True) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    services = serving_services()
    app_token = services.settings.slack_app_token
    if app_token is None:
        raise SystemExit("error: SLACK_APP_TOKEN is not set (an app-level token, xapp-…, "
                         "with the connections:write scope)")
    token = app_token.get_secret_value()
    if not token.startswith("xapp-"):
        raise SystemExit("error: SLACK_APP_TOKEN must be an app-level token (xapp-…): create "
                         "one with the connections:write scope under Basic Information → "
                         "App-Level Tokens; the bot token (xoxb-…) is SLACK_BOT_TOKEN")
    identity = verify_token(services.settings, socket_mode=True)
    warn_about_host(services.settings)
    config_on_record(services, "serve")
    app = create_bolt_app(services, identity=identity, require_signing_secret=False)
    keep_present(services.engine)
    handler = SocketModeHandler(app, token)
    with _scheduler_child(scheduler):
        _connect(handler)
        log.info("connected to Slack in Socket Mode")
        threading.Event().wait()  # the handler's threads answer; this one waits


# Socket Mode without Slack serves nothing: tries again, each pause longer, up to this.
_CONNECT_PAUSES = (2.0, 5.0, 10.0, 30.0, 60.0)


def _connect(handler: Any, pause: Callable[[float], None] = time.sleep) -> None:
    """Opens the Socket Mode connection. A token Slack refuses stops the server with one
    line; Slack out of reach is waited for, a warning a try (a network that comes back
    later, as a host starting before its network is up)."""
    # slack_sdk logs each failed try in six lines of its own: one warning a try is ours.
    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL)
    try:
        _connect_tries(handler, pause)
    finally:
        sdk.setLevel(level)


def _connect_tries(handler: Any, pause: Callable[[float], None]) -> None:
    from slack_sdk.errors import SlackApiError

    for attempt in range(10**9):
        try:
            handler.connect()
            return
        except SlackApiError as refused:
            raise SystemExit(
                f"error: SLACK_APP_TOKEN was refused by Slack "
                f"({refused.response.get('error', 'refused')}): check it is the app's "
                "app-level token (xapp-…) with the connections:write scope") from None
        except OSError as unreachable:  # URLError, timeouts, refused connections
            wait = _CONNECT_PAUSES[min(attempt, len(_CONNECT_PAUSES) - 1)]
            reason = getattr(unreachable, "reason", unreachable)
            log.warning("Slack did not answer (%s); trying again in %.0f s", reason, wait)
            pause(wait)
