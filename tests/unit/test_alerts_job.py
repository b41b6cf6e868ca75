"""The morning alerts job: the scan's counts, and a database briefly gone tried again."""

from __future__ import annotations

import pytest

import handlers.alerts as feature
from domain.errors import RecordsUnavailable
from handlers.alerts import FEATURE, run_alerts


class FlakyAlerts:
    """Fails ``failures`` times with the database gone, then scans."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def day_off(self) -> bool:
        return False

    def scan(self, portfolio: object = None) -> dict[str, int]:
        self.calls += 1
        if self.calls <= self.failures:
            raise RecordsUnavailable()
        return {"announced": 3, "digests": 1, "messages": 1}


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(feature.time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize(("failures", "waits"), [(0, []), (1, [2.0]), (2, [2.0, 5.0])])
def test_the_scan_is_tried_again_after_2_and_5_seconds(pauses, failures, waits):
    alerts = FlakyAlerts(failures)
    assert run_alerts({"alerts": alerts}) == {"announced": 3, "digests": 1, "messages": 1,
                                              "attempts": failures + 1}
    assert pauses == waits


def test_a_third_failure_fails_the_run(pauses):
    alerts = FlakyAlerts(3)
    with pytest.raises(RecordsUnavailable):
        run_alerts({"alerts": alerts})
    assert alerts.calls == 3 and pauses == [2.0, 5.0]


def test_other_errors_are_not_tried_again(pauses):
    class Broken:
        def day_off(self) -> bool:
            return False

        def scan(self, portfolio: object = None) -> dict[str, int]:
            raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        run_alerts({"alerts": Broken()})
    assert pauses == []


def test_the_feature_declares_the_job_its_buttons_and_scope():
    [job] = FEATURE.jobs
    assert (job.name, job.schedule, job.run) == ("alerts", "0 8 * * mon-fri", run_alerts)
    assert [a.action_id for a in FEATURE.actions] == [
        "alerts_acknowledge", "alerts_snooze_1d", "alerts_snooze_7d", "alerts_credit_check"]
    assert FEATURE.scopes == ("chat:write",)


def test_alerts_that_went_nowhere_are_logged_as_an_error_with_the_fix(caplog):
    from types import SimpleNamespace

    class Unrouted:
        def day_off(self) -> bool:
            return False

        def scan(self, portfolio: object = None) -> dict[str, int]:
            return {"announced": 0, "unrouted": 2}

    def config(admin: str | None) -> SimpleNamespace:
        return SimpleNamespace(organisation=SimpleNamespace(admin_channel=admin))

    run_alerts({"alerts": Unrouted(), "config": config("C0ADMIN000")})
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
    run_alerts({"alerts": Unrouted(), "config": config(None)})
    [error] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    # "Match no route" was wrong when the routes matched but led where credit data is
    # closed.
    assert error == ("alerts: 2 alerts have nowhere to go (no route matches them, or the "
                     "ones that do lead only where credit data is closed: see the warning "
                     "before) and organisation.admin_channel is not set, so they went "
                     "nowhere; they are announced again on the next run. Add a route for "
                     "them, or set organisation.admin_channel in app.yaml.")


def test_the_scan_runs_with_the_collector_paused_and_leaves_it_as_it_was():
    import gc

    seen: list[bool] = []

    class Watching:
        def day_off(self) -> bool:
            return False

        def scan(self, portfolio: object = None) -> dict[str, int]:
            seen.append(gc.isenabled())
            return {}

    assert gc.isenabled()
    run_alerts({"alerts": Watching()})
    assert seen == [False] and gc.isenabled()


class Assignments:
    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.order: list[str] = []

    def portfolio(self) -> str:
        return "the portfolio"

    def auto_assign(self, portfolio: object = None) -> dict[str, int]:
        self.order.append(f"assign from {portfolio}")
        if self.broken:
            raise ValueError("a rule names nobody")
        return {"assigned": 2}


class Recording(FlakyAlerts):
    def __init__(self, order: list[str]) -> None:
        super().__init__(0)
        self.order = order

    def scan(self, portfolio: object = None) -> dict[str, int]:
        self.order.append(f"scan from {portfolio}")
        return super().scan()


def test_accounts_are_assigned_before_the_scan_so_digests_say_who_collects(pauses):
    assignments = Assignments()
    alerts = Recording(assignments.order)
    assert run_alerts({"alerts": alerts, "assignments": assignments}) == {
        "announced": 3, "digests": 1, "messages": 1, "assigned": 2, "attempts": 1}
    # The portfolio is read once, for both.
    assert assignments.order == ["assign from the portfolio", "scan from the portfolio"]


def test_assignment_failing_does_not_hold_the_digests_back_but_fails_the_run(pauses):
    assignments = Assignments(broken=True)
    alerts = Recording(assignments.order)
    with pytest.raises(ValueError, match="a rule names nobody"):
        run_alerts({"alerts": alerts, "assignments": assignments})
    assert assignments.order == ["assign from the portfolio", "scan from the portfolio"]
