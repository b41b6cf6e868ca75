"""Builds the services a command or the bot needs from settings and app.yaml."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig, load_config
from bot.settings import Settings
from domain.positions import CreditPolicyContext
from storage.audit_writer import BatchedAuditWriter
from storage.db import make_engine, require_current_schema
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory


@dataclass
class Services:
    settings: Settings
    config: AppConfig

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def background(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=8, thread_name_prefix="creditbot-work")

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        return unit_of_work_factory(self.engine)

    @cached_property
    def views(self) -> BatchedAuditWriter:
        """Who looked at what, written in batches by this process (see storage)."""
        return BatchedAuditWriter(self.engine)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    @property
    def policy(self) -> CreditPolicyContext:
        return CreditPolicyContext(self.config.organisation.base_currency,
                                   self.config.aging.buckets)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """The date in the organisation's time zone: aging turns over at its midnight."""
        return datetime.now(self.config.organisation.zone).date()

    def require_schema(self) -> None:
        require_current_schema(self.engine)


def build_services(settings: Settings | None = None, config_path: Path | None = None) -> Services:
    settings = settings or Settings()
    path = config_path or Path(settings.config_path)
    return Services(settings, load_config(path))
