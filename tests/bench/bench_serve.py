"""`/credit check` against `creditbot serve` (issue: the bot in Slack).

    apt-get install wrk        # the load generator, a separate process
    python -m tests.bench.bench_serve [--seconds 20] [--workers 2] [--threads 8]
        [--only sqlite|postgresql] [--code DIR]

For SQLite (and PostgreSQL when CREDITBOT_TEST_POSTGRES_URL is set), with 20,000
customers and 1,000,000 invoices: gunicorn workers serve signed requests from wrk at
concurrency 16. Two runs in the same server, back to back:
  * baseline: a signed Events API url_verification, which Bolt answers with a bare ack
    once the signature is verified;
  * check: `/credit check` for 200 different customers (by id and by name prefix);
  * cold: `/credit check` for each of the other customers once, so that nothing the bot
    remembers (a position per data version and day, a rendered card) is used: what a
    check costs the first time a customer is asked about after an import or midnight.
wrk reports requests/s and latency percentiles; creditbot answers a check inside the
HTTP response, so the latency is the time to the card, and a Lua hook counts the
responses that carry one. Answers that overrun the 2 s budget would arrive through the
emulator's response_url instead; they are counted too. Peak RSS per worker is read
from /proc.

CPU per request: the gunicorn workers' user + system time (/proc/PID/stat, every
thread) before and after each wrk run, divided by the requests wrk completed. It is less
sensitive than requests/s to other processes on the machine, and the check/ack ratio is
the figure the serve goal is stated in.

``--code DIR`` also serves the same databases from another source tree, e.g. a git
worktree of an older commit outside this checkout (``git worktree add
/tmp/creditbot-before <commit>``): DIR's packages come first on the server's PYTHONPATH
and DIR is its working directory. Both trees run back to back, DIR first, and a summary
compares them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text

from bot.host_checks import autogroup_warning, read_autogroup
from bot.sandbox.driver import sign
from bot.sandbox.emulator import TEAM_ID, SlackEmulator
from storage.db import make_engine, upgrade
from tests.bench.datagen import DATA, ROOT, customers_file, invoices_file, rates_file

SECRET = "bench-signing-secret"
# Distinct signed checks prepared per second of a run: well above what two cores serve.
CHECKS_PER_S = 4_000
TOKEN = "xoxb-bench"


def cli(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "CREDITBOT_CONFIG": str(ROOT / "app.yaml")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)


def load(url: str) -> None:
    upgrade(make_engine(url, create=True))  # a new SQLite file on first use
    cli(url, "import", "customers", str(customers_file()))
    cli(url, "import", "rates", str(rates_file()))
    cli(url, "import", "invoices", str(invoices_file()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


THREADS = 2  # wrk -t


def lua(requests: Path) -> str:
    """A wrk script sending the signed requests in ``requests`` (body, timestamp and
    signature per line). Each wrk thread takes its own share of the lines: a slash
    command's trigger_id is unique, as Slack sends it, and the bot answers a repeated
    one as a retry (an empty 200)."""
    return f"""
local reqs = {{}}
local i = 0
local threads = {{}}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
init = function(args)
  cards = 0; others = 0
  local n = 0
  for line in io.lines("{requests}") do
    if n % {THREADS} == id then
      local body, ts, sig = line:match("^(.-)\\t(.-)\\t(.-)$")
      table.insert(reqs, {{body = body, ts = ts, sig = sig}})
    end
    n = n + 1
  end
end
response = function(status, headers, body)
  if status == 200 and body:find('"type": "header"', 1, true) then cards = cards + 1
  else others = others + 1 end
end
done = function(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("cards"); o = o + t:get("others") end
  io.write(string.format("CARDS %d OTHERS %d\\n", c, o))
end
request = function()
  i = i % #reqs + 1
  local r = reqs[i]
  return wrk.format("POST", "/slack/events", {{
    ["Content-Type"] = r.body:sub(1, 1) == "{{" and "application/json"
                       or "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = r.ts, ["X-Slack-Signature"] = r.sig}}, r.body)
end
"""


def write_requests(path: Path, requests: Iterable[tuple[str, str, str]]) -> int:
    count = 0
    with path.open("w") as out:
        for body, ts, sig in requests:
            out.write(f"{body}\t{ts}\t{sig}\n")
            count += 1
    return count


def signed(body: str) -> tuple[str, str, str]:
    ts = str(int(time.time()))
    return body, ts, sign(SECRET, ts, body.encode())


def check_requests(emulator: SlackEmulator, count: int, cold: bool = False
                   ) -> Iterator[tuple[str, str, str]]:
    """``count`` commands for 200 customers in turn, each with its own trigger_id.
    ``cold``: each of the other 19,799 customers once, in random order, so that nothing
    the bot remembers of a customer (positions per data version and day) is asked
    again within a run."""
    rng = random.Random(3)
    customers = rng.sample(range(1, 20_000), 200)
    if cold:
        chosen = set(customers)
        customers = [n for n in range(1, 20_000) if n not in chosen]
        random.Random(5).shuffle(customers)
    run = uuid.uuid4().hex[:8]  # processed deliveries are remembered for a day
    for i in range(count):
        n = customers[i % len(customers)]
        query = f"C{n:05d}" if n % 10 < 7 else f"customer {n:05d}"
        yield signed(urlencode({
            "team_id": TEAM_ID, "channel_id": "C01SALES000", "user_id": "U01SALESAMY",
            "user_name": "amy", "command": "/credit", "text": f"check {query}",
            "api_app_id": "A0CREDITBOT", "response_url": emulator.new_response_url(),
            "trigger_id": f"{n}.{i}.{run}.bench"}))


def ack_requests() -> list[tuple[str, str, str]]:
    return [signed(json.dumps({"token": "x", "type": "url_verification",
                               "challenge": f"bench-{n}"})) for n in range(200)]


def wrk(url: str, script: Path, seconds: int) -> dict[str, float]:
    done = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s",
                           str(script), url], capture_output=True, text=True, check=True)
    out = done.stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    cards = re.search(r"CARDS (\d+) OTHERS (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "cards": float(cards.group(1)), "not_cards": float(cards.group(2)),
            "requests": float(re.search(r"(\d+) requests in", out).group(1)),
            "p50": ms("50%"), "p90": ms("90%"), "p99": ms("99%"),
            "errors": float(errors.group(1)) if errors else 0.0}


def workers_of(master: int) -> list[str]:
    """gunicorn's workers: the children forked from the master, hence with its command
    line. Other children (`creditbot serve` starts a scheduler process beside them) are
    not serving requests and are left out of the figures."""
    own = Path(f"/proc/{master}/cmdline").read_bytes()
    workers = []
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == own:
                workers.append(pid)
        except FileNotFoundError:
            continue
    return workers


def worker_peaks(master: int) -> list[float]:
    peaks = []
    for pid in workers_of(master):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return peaks


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def worker_cpu(master: int) -> dict[str, tuple[float, float]]:
    """(user, system) CPU seconds, all threads, used so far by each worker process."""
    used = {}
    for pid in workers_of(master):
        try:
            # The fields after the command name, which may itself hold spaces and ")".
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        used[pid] = (int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS)
    return used


def measured(master: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """``run``'s wrk figures plus the workers' CPU per completed request, in ms."""
    before = worker_cpu(master)
    result = run()
    time.sleep(0.5)  # the last requests in flight when wrk stopped
    after = worker_cpu(master)
    if set(before) != set(after):  # a worker restarted: its CPU cannot be attributed
        result.update(cpu_ms=float("nan"), user_ms=float("nan"), system_ms=float("nan"))
        return result
    per_request = 1000 / max(result["requests"], 1)
    result["user_ms"] = sum(after[p][0] - before[p][0] for p in after) * per_request
    result["system_ms"] = sum(after[p][1] - before[p][1] for p in after) * per_request
    result["cpu_ms"] = result["user_ms"] + result["system_ms"]
    return result


def describe_code(tree: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tree), *args], capture_output=True,
                              text=True).stdout.rstrip()

    dirty = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
    return (f"{tree} at {git('rev-parse', '--short', 'HEAD') or '?'}"
            + (f" + {dirty} uncommitted files" if dirty else ""))


def server_command(code: Path | None, port: int, workers: int, threads: int) -> list[str]:
    if code is None:
        return [sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers),
                "--threads", str(threads)]
    # The databases were migrated by this tree; an older tree's CLI refuses to serve a
    # schema newer than its own migrations, though its code reads the tables it knows.
    # So its server starts where `creditbot serve` ends up once its checks pass.
    return [sys.executable, "-c",
            "import sys; from bot.serve import configure_logging, serve_http; "
            "configure_logging(); serve_http(*map(int, sys.argv[1:]))",
            str(port), str(workers), str(threads)]


def host_note(url: str) -> str:
    """The scheduling setting of the run: with PostgreSQL on this host, autogroup
    scheduling stalls checks for seconds now and then (``bot.host_checks``)."""
    setting = read_autogroup()
    note = f"kernel.sched_autogroup_enabled = {setting or 'not available'}"
    return note + (" (PostgreSQL here: expect stalls; README, Running)"
                   if autogroup_warning(url, setting) else "")


def bench(name: str, url: str, seconds: int, workers: int, threads: int,
          code: Path | None = None) -> dict[str, Any]:
    port = free_port()
    if code is None:
        # This tree may have gained a migration since the data was loaded (or since the
        # other tree's run, when comparing); `creditbot serve` refuses an old schema.
        upgrade(make_engine(url))
    # Taken when the server starts: others may commit to the tree during the run.
    served = describe_code(code or ROOT)
    with SlackEmulator(token=TOKEN) as emulator:
        env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": emulator.api_url,
               # A tree's code reads its own app.yaml: settings come and go with the code.
               "CREDITBOT_CONFIG": str((code or ROOT) / "app.yaml"), "PORT": str(port)}
        if code is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
        log = DATA / f"serve-{uuid.uuid4().hex[:6]}.log"
        with log.open("w") as sink:
            server = subprocess.Popen(server_command(code, port, workers, threads), env=env,
                                      cwd=code or ROOT, stdout=subprocess.DEVNULL,
                                      stderr=sink)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                if server.poll() is not None:
                    raise SystemExit(f"[{name}] the server exited with {server.returncode}")
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            # Every worker booted (not every version of the bot calls auth.test from
            # each worker, so that is no signal); the warm-up run below reaches them all.
            for _ in range(150):
                if len(workers_of(server.pid)) >= workers:
                    break
                time.sleep(0.2)
            scripts = DATA / f"wrk-{uuid.uuid4().hex[:6]}"
            scripts.mkdir()
            write_requests(scripts / "ack.txt", ack_requests())
            (scripts / "ack.lua").write_text(lua(scripts / "ack.txt"))
            write_requests(scripts / "warm.txt", check_requests(emulator, 3 * CHECKS_PER_S))
            (scripts / "warm.lua").write_text(lua(scripts / "warm.txt"))
            pool = write_requests(scripts / "check.txt",
                                  check_requests(emulator, seconds * CHECKS_PER_S))
            (scripts / "check.lua").write_text(lua(scripts / "check.txt"))
            write_requests(scripts / "cold.txt", check_requests(emulator, 19_799, cold=True))
            (scripts / "cold.lua").write_text(lua(scripts / "cold.txt"))
            wrk(base, scripts / "warm.lua", 3)  # warm caches and connection pools
            time.sleep(2)
            baseline = measured(server.pid, lambda: wrk(base, scripts / "ack.lua", seconds))
            before = len(emulator.calls_to("response_url"))
            check = measured(server.pid, lambda: wrk(base, scripts / "check.lua", seconds))
            if check["requests"] > pool:
                print(f"[{name}] warning: wrk sent {check['requests']:.0f} checks, more than "
                      f"the {pool} distinct trigger_ids; repeats are answered as retries",
                      file=sys.stderr)
            time.sleep(1.5)  # answers that overran the ack budget would follow by now
            follow_ups = len(emulator.calls_to("response_url")) - before
            cold = measured(server.pid, lambda: wrk(base, scripts / "cold.lua", seconds))
            if cold["requests"] > 19_799:
                print(f"[{name}] warning: the cold run asked some customers twice",
                      file=sys.stderr)
            peaks = worker_peaks(server.pid)
            shutil.rmtree(scripts)
        except BaseException:
            # The server's own words say why (a worker that failed to boot, say).
            print(f"[{name}] server log, last lines ({log}):\n"
                  + "\n".join(log.read_text().splitlines()[-30:]), file=sys.stderr)
            raise
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        log.unlink()
    print(f"\n[{name}] {workers} workers x {threads} threads, wrk -c16, {seconds} s per run")
    print(f"  code                        : {served}")
    print(f"  host                        : {host_note(url)}")
    print(f"  baseline (signed bare ack)  : {baseline['rps']:8.0f} req/s  "
          f"p50 {baseline['p50']:6.1f} ms  p99 {baseline['p99']:6.1f} ms  "
          f"non-2xx {baseline['errors']:.0f}")
    print(f"  /credit check (ack)         : {check['rps']:8.0f} req/s  "
          f"p50 {check['p50']:6.1f} ms  p90 {check['p90']:6.1f} ms  p99 {check['p99']:6.1f} ms  "
          f"non-2xx {check['errors']:.0f}  = {check['rps'] / baseline['rps']:.2f}x baseline")
    print(f"  cards in the HTTP answer    : {check['cards']:.0f} of {check['requests']:.0f} "
          f"requests ({check['not_cards']:.0f} other answers; {follow_ups} overran the "
          "2 s budget and followed via response_url)")
    print(f"  peak RSS per worker         : {', '.join(f'{p:.0f} MB' for p in peaks)}")
    print(f"  worker CPU per request      : ack {baseline['cpu_ms']:.3f} ms, check "
          f"{check['cpu_ms']:.3f} ms = {check['cpu_ms'] / baseline['cpu_ms']:.2f}x the ack "
          "(user + system time of the workers / requests completed)")
    print(f"    of which system time      : ack {baseline['system_ms']:.3f} ms, check "
          f"{check['system_ms']:.3f} ms")
    print(f"  cold: each customer once    : {cold['rps']:8.0f} req/s  p50 {cold['p50']:6.1f} ms  "
          f"p99 {cold['p99']:6.1f} ms  CPU {cold['cpu_ms']:.3f} ms = "
          f"{cold['cpu_ms'] / baseline['cpu_ms']:.2f}x the ack  "
          f"({cold['cards']:.0f} cards of {cold['requests']:.0f})")
    return {"code": served, "baseline": baseline, "check": check, "cold": cold}


def compare(name: str, runs: list[dict[str, Any]]) -> None:
    print(f"\n[{name}] side by side (cold: each customer asked once)")
    print(f"  {'code':40} {'ack CPU':>9} {'check CPU':>10} {'ratio':>6} {'check/s':>8} "
          f"{'p50':>7} {'p99':>7} {'cards':>6} {'cold CPU':>9} {'ratio':>6} {'p99':>7}")
    for run in runs:
        ack, check, cold = run["baseline"], run["check"], run["cold"]
        label = run["code"].replace(" uncommitted files", " dirty")
        label = label if len(label) <= 40 else "…" + label[-39:]
        print(f"  {label:40} {ack['cpu_ms']:6.3f} ms {check['cpu_ms']:7.3f} ms "
              f"{check['cpu_ms'] / ack['cpu_ms']:5.2f}x {check['rps']:8.0f} "
              f"{check['p50']:4.0f} ms {check['p99']:4.0f} ms "
              f"{check['cards'] / max(check['requests'], 1):6.1%} "
              f"{cold['cpu_ms']:6.3f} ms {cold['cpu_ms'] / ack['cpu_ms']:5.2f}x "
              f"{cold['p99']:4.0f} ms")


def bench_trees(name: str, url: str, args: argparse.Namespace) -> None:
    if args.code is None:
        bench(name, url, args.seconds, args.workers, args.threads)
        return
    compare(name, [bench(name, url, args.seconds, args.workers, args.threads, args.code),
                   bench(name, url, args.seconds, args.workers, args.threads)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--code", type=Path, default=None, metavar="DIR",
                        help="also serve from this source tree (e.g. a git worktree of "
                             "an older commit), before the current one")
    args = parser.parse_args()
    if not shutil.which("wrk"):  # after --help, which needs no wrk
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if args.code is not None:
        args.code = args.code.resolve()
        if not (args.code / "bot" / "serve.py").exists():
            raise SystemExit(f"{args.code} is not a creditbot source tree")
    DATA.mkdir(exist_ok=True)
    sqlite_db = DATA / "serve-bench.db"
    if args.only != "postgresql":
        if not sqlite_db.exists():
            load(f"sqlite:///{sqlite_db}")
        bench_trees("sqlite", f"sqlite:///{sqlite_db}", args)
    pg = os.environ.get("CREDITBOT_TEST_POSTGRES_URL")
    if pg and args.only != "sqlite":
        from sqlalchemy.engine import make_url

        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = "
                                       "'creditbot_serve_bench'")).first()
            if not exists:
                conn.execute(text("CREATE DATABASE creditbot_serve_bench"))
        url = make_url(pg).set(database="creditbot_serve_bench").render_as_string(False)
        if not exists:
            load(url)
        bench_trees("postgresql", url, args)


if __name__ == "__main__":
    main()
