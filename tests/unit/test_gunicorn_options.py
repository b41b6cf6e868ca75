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
