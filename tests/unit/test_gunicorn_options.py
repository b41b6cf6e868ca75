"""How `creditbot serve` sets gunicorn up."""

from __future__ import annotations

import pytest

from bot.serve import _Gunicorn


def test_gunicorns_per_user_control_socket_is_off():
    # Two serves on one host shared $HOME/.gunicorn/gunicorn.ctl; stopping one deleted
    # the other's.
    app = _Gunicorn({"bind": "127.0.0.1:0", "workers": 1}, identity=None)
    if "control_socket_disable" not in app.cfg.settings:
        pytest.fail("this gunicorn has no control socket setting (pyproject asks for 27+)")
    assert app.cfg.control_socket_disable is True
    assert app.cfg.workers == 1


@pytest.mark.parametrize("host, said", [
    ("127.0.0.1", False), ("::1", False), ("localhost", False),
    ("0.0.0.0", True), ("::", True), ("10.1.2.3", True), ("credit.example.com", True)])
def test_listening_beyond_this_host_says_to_put_a_proxy_in_front(host, said):
    # Twenty connections trickling their headers held every request thread of a server
    # listening on 0.0.0.0 directly, and nothing at start said it was exposed.
    from bot.serve import exposure_note

    note = exposure_note(host)
    assert note == (None if not said else
                    f"listening on {host}, beyond this host: put a buffering reverse proxy "
                    "in front (nginx; README, Running) and listen on 127.0.0.1 behind it; "
                    "slow clients reaching gunicorn directly can hold every request thread")


def test_what_the_scheduler_supervisor_thread_runs_imports_nothing_itself():
    # It imported ctypes lazily: a worker gunicorn forked meanwhile inherited ctypes'
    # import lock held, and hung for good on its own first import of it (icalendar's
    # dateutil imports it), a server that never came up. Imported with serve instead.
    import subprocess
    import sys

    imported = subprocess.run(
        [sys.executable, "-c", "import sys, bot.serve; print('ctypes' in sys.modules)"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert imported == "True"
