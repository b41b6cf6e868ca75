"""Every module of handlers imports on its own, first of all: an import cycle that only
the usual entry points' order hid (handlers.check.blocks → handlers.sharing →
handlers.alerts → handlers.check.blocks) broke 29 test files run alone. (bot's modules
are entry points that import handlers.features first; domain and storage import no
handlers.)"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# Each module of handlers in a child forked from one interpreter that has the
# libraries, domain and storage loaded (they import no handlers, by the layering rule):
# a fresh interpreter per module took minutes.
PROBE = r"""
import os, sys, traceback
import babel, pydantic, slack_bolt, slack_sdk, sqlalchemy, yaml  # noqa: F401
names = sys.argv[1:]
for name in names:
    if name.split(".")[0] in ("domain", "storage"):
        __import__(name)
failed = []
for name in names:
    if name.split(".")[0] in ("domain", "storage"):
        continue
    pid = os.fork()
    if pid == 0:
        try:
            __import__(name)
        except BaseException:
            traceback.print_exc(limit=1)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        failed.append(name)
print("\n".join(failed))
"""


def _modules() -> list[str]:
    found = []
    for package in ("domain", "storage", "handlers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or parts[-1] == "__main__":
                continue
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_every_module_imports_on_its_own():
    modules = _modules()
    assert len(modules) > 200
    done = subprocess.run([sys.executable, "-c", PROBE, *modules], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [], done.stderr[-3000:]
