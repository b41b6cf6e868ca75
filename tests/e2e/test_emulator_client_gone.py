"""The Slack emulator when a client goes away before its answer (a process killed
mid-call): it printed a BrokenPipeError traceback into the test run's output."""

from __future__ import annotations

import socket
import struct
import time
from urllib.parse import urlsplit

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import TOKEN


def test_a_client_gone_before_the_answer_leaves_no_traceback(capfd):
    with SlackEmulator(token=TOKEN) as emulator:
        emulator.fail("auth.test", "slow", 1, delay=0.5)
        url = urlsplit(emulator.api_url)
        body = b"token=" + TOKEN.encode()
        request = (f"POST {url.path}auth.test HTTP/1.1\r\nHost: {url.hostname}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n"
                   f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
        with socket.create_connection((url.hostname, url.port)) as client:
            # Linger 0: closing resets the connection, as a killed process's does.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.sendall(request)
        emulator.wait_for("auth.test", timeout=5)
        time.sleep(1.0)  # the slow answer is written to the closed socket meanwhile
    assert "Traceback" not in capfd.readouterr().err
