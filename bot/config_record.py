"""The app.yaml a serving or scheduling process runs under, put on the audit record once
it has passed the start's checks (a start refused for a bad token or address ran nothing
under it)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError

from bot.wiring import Services
from domain.config_in_force import record_in_force
from storage.db import unavailable_reason

log = logging.getLogger("creditbot.config")


def config_on_record(services: Services, started: str) -> None:
    """Puts the app.yaml this process runs under on the audit record (when it is not the
    one recorded last). A database that refuses the write does not stop the start: the
    log says so, and the next start records it."""
    text = services.config.source_text
    if text is None:
        return
    path = Path(services.settings.config_path)
    try:
        recorded = record_in_force(services.uow, services.now(), text,
                                   path=str(path.resolve()), host=socket.gethostname(),
                                   started=started)
    except (OperationalError, DatabaseError) as problem:
        log.error("app.yaml could not be put on the audit record (%s); it will be at the "
                  "next start", unavailable_reason(problem))
        return
    if recorded:
        log.info("app.yaml recorded in the audit log as the configuration in force "
                 "(config.in_force)")
