"""The app.yaml a serving or scheduling process runs under, put on the audit record once
it has passed the start's checks (a start refused for a bad token or address ran nothing
under it)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from sqlalchemy.exc import DatabaseError, SQLAlchemyError

from bot.config.alerts import unmatched_routes
from bot.wiring import Services
from domain.config_in_force import record_in_force
from domain.errors import RecordsUnavailable
from storage.db import unavailable_reason

log = logging.getLogger("creditbot.config")
# Set for the scheduler `serve` starts: its app.yaml is serve's, which serve put on the
# record (the child reads a private copy, whose path would name no file).
SERVE_CHILD = "CREDITBOT_SERVE_CHILD"


def config_on_record(services: Services, started: str) -> None:
    """Puts the app.yaml this process runs under on the audit record (when it is not the
    one recorded last), and logs the alert routes no alert can match. A database that
    refuses the write does not stop the start: the log says so, and the next start
    records it."""
    config = services.config
    for note in unmatched_routes(config.alerts, config.aging.buckets):
        # Started anyway: a route idle since large invoices were turned off harms nothing.
        log.warning("app.yaml: %s", note)
    text = config.source_text
    if text is None:
        return
    path = Path(services.settings.config_path)
    try:
        recorded = record_in_force(services.uow, services.now(), text,
                                   path=str(path.resolve()), host=socket.gethostname(),
                                   started=started)
    except (DatabaseError, RecordsUnavailable) as problem:
        # RecordsUnavailable: the unit of work's word for the same, the driver's behind it.
        cause = problem if isinstance(problem, DatabaseError) else problem.__cause__
        log.error("app.yaml could not be put on the audit record (%s); it will be at the "
                  "next start", unavailable_reason(cause) if isinstance(
                      cause, SQLAlchemyError) else "the database is not answering")
        return
    if recorded.recorded:
        log.info("app.yaml recorded in the audit log as the configuration in force "
                 "(config.in_force)")
    other = recorded.other_host
    if other is not None:
        log.warning("app.yaml is not the one %s started under at %s (sha256 %s…): the "
                    "hosts of one deployment should run the same file; start the others "
                    "again with this one", other.details.get("host"),
                    other.at.isoformat(timespec="seconds"),
                    str(other.details.get("sha256"))[:12])
