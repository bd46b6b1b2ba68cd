"""Kill a paper session with SIGKILL mid-stream; after a restart the journal, the broker and the
book agree, and no decision is lost or sent twice.

The broker outlives the crash: the LocalExchange runs in this test process and the test
steps its clock; the session runs in a subprocess (``ntlab paper`` or a small script) and
talks to it only through alpaca-py (REST, trade_updates, the bar stream).
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ntlab.exchange.app import LocalExchange
from ntlab.execution import Commission, ExecutionPolicy
from ntlab.execution.journal import Journal
from tests.unit.live._helpers import DATA, FAST, REQUEST, SYMBOLS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
KEYS = ("crash-key", "crash-secret")
ROOT = Path(__file__).resolve().parents[2]
START, LIVE = 60, 45
SCRIPT = """
import json, os, signal, sys
from ntlab.live import load_config, open_session

cfg = load_config(sys.argv[1])
session = open_session(cfg)
session.start(cfg.request)
crash_at, mode = int(os.environ.get("CRASH_AT", "0")), os.environ.get("CRASH_MODE", "")
if crash_at:
    client, calls = session.conn.client, []
    real = client.submit

    def submit(request):
        calls.append(request.client_order_id)
        if len(calls) == crash_at and mode == "before":
            os.kill(os.getpid(), signal.SIGKILL)  # journaled, never sent
        order = real(request)
        if len(calls) == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)  # sent, its acknowledgement never journaled
        return order

    client.submit = submit
print("resumed from the journal: " + json.dumps(session.recovery), flush=True)
session.run()
print(json.dumps(session.stop(), default=str), flush=True)
"""


class Driver:
    """The exchange, the session's config, and the session's process(es)."""

    def __init__(self, tmp_path: Path, urls, exchange: LocalExchange) -> None:
        self.exchange, self.tmp = exchange, tmp_path
        self.folder = tmp_path / "session"
        self.config = tmp_path / "paper.json"
        self.config.write_text(json.dumps({
            **REQUEST, "strategy_params": FAST, "broker": "exchange", "exchange_url": urls.rest,
            "session_id": "crash", "folder": str(self.folder), "settle_timeout": 1.0,
        }))  # fmt: skip
        (tmp_path / "child.py").write_text(SCRIPT)
        self.env = os.environ | {
            "ALPACA_API_KEY": KEYS[0],
            "ALPACA_SECRET_KEY": KEYS[1],
            "PYTHONPATH": str(ROOT),
        }
        self.proc: subprocess.Popen | None = None
        self.outputs: list[str] = []

    def spawn(self, *, cli: bool, **env: str) -> None:
        cmd = ([sys.executable, "-m", "ntlab.cli", "paper", str(self.config), "--json", "--no-progress"]
               if cli else [sys.executable, str(self.tmp / "child.py"), str(self.config)])  # fmt: skip
        before = self._events("session_start") + self._events("session_restart")
        self.proc = subprocess.Popen(
            cmd,
            env=self.env | env,
            cwd=self.tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._wait(
            lambda: self._events("session_start") + self._events("session_restart") > before,
            "the session to start",
        )

    def _db(self):
        path = self.folder / "journal.db"
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path.exists() else None

    def _events(self, kind: str) -> int:
        db = self._db()
        if db is None:
            return 0
        try:
            return db.execute("SELECT count(*) FROM events WHERE kind=?", (kind,)).fetchone()[0]
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0
        finally:
            db.close()

    def filled_orders(self) -> int:
        return sum(
            1 for o in Journal(self.folder / "journal.db").orders("crash") if o.status == "filled"
        )

    def last_words(self) -> str:
        """What the dead process printed (for an assertion's message)."""
        if self.alive():
            return "the session is still running"
        return f"the session exited {self.proc.returncode}:\n{self.proc.stdout.read()}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _wait(self, done, what: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if self.proc.poll() is not None and not done():
                raise AssertionError(
                    f"the session died waiting for {what}:\n{self.proc.stdout.read()}"
                )
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)

    def step(self) -> bool:
        """One bar; waits until the session journaled its decision. False if it died meanwhile."""
        before = self._events("bar")
        self.exchange.step()
        deadline = time.monotonic() + 30
        while self._events("bar") == before:
            if not self.alive():
                return False
            assert time.monotonic() < deadline, "the session never took the bar"
            time.sleep(0.01)
        return True

    def finish(self) -> dict:
        while not self.exchange.finished:
            assert self.step(), "the session died after the restart: " + self.last_words()
        out, _ = self.proc.communicate(timeout=90)
        assert self.proc.returncode == 0, out
        self.outputs.append(out)
        return json.loads(out[out.index("\n{") + 1 :] if not out.startswith("{") else out)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.outputs.append(self.proc.stdout.read())

    def recovery(self) -> dict:
        """The last process's report of its restart."""
        lines = "\n".join(self.outputs).splitlines()
        line = [x for x in lines if x.startswith("resumed from the journal: ")][-1]
        return json.loads(line.split(": ", 1)[1])


@pytest.fixture
def driver(tmp_path):
    data = DATA.select(SYMBOLS)[: START + LIVE]
    exchange = LocalExchange(
        data,
        start=START,
        keys=KEYS,
        policy=ExecutionPolicy(commission=Commission(pct=0.0)),
        max_leverage=2.0,
    )
    with exchange.serve() as urls:
        yield Driver(tmp_path, urls, exchange)


def _agree(d: Driver, final: dict, restarts: int = 1) -> None:
    broker = d.exchange.client
    journal = Journal(d.folder / "journal.db")
    orders = {o.client_order_id: o for o in journal.orders("crash")}
    at_broker = {o.client_order_id: o for o in broker.list_orders("all")}
    assert set(at_broker) == set(orders), (
        "an order reached the broker unjournaled, or a journaled one never did"
    )
    for cid, o in orders.items():
        assert at_broker[cid].filled_qty == o.filled_qty and at_broker[cid].status.value == o.status
    positions = {p.symbol: p.quantity for p in broker.positions()}
    session = {p["symbol"]: p["quantity"] for p in final["positions"] if p["quantity"]}
    assert positions == journal.net_positions("crash") == session
    fills = journal.fills("crash")
    assert len({f.fill_id for f in fills}) == len(fills)
    assert sum(f.quantity for f in fills) == pytest.approx(
        sum(o.filled_qty for o in at_broker.values())
    )
    assert final["cash"] == pytest.approx(broker.account().cash, rel=1e-9)
    assert final["metrics"].get("submit_errors", 0) == 0
    assert final["metrics"].get("restarts", 0) == restarts


def test_sigkill_mid_stream_then_restart_with_ntlab_paper(driver):
    d = driver
    d.spawn(cli=True)
    while d.filled_orders() < 4:
        assert d.step(), d.last_words()
    d.kill()  # SIGKILL: no stop, no flush; the exchange keeps going
    for _ in range(3):
        d.step()  # orders working at the crash fill meanwhile
    d.spawn(cli=True)
    final = d.finish()
    _agree(d, final)
    assert final["recovery"]["position_gaps"] == {}
    assert final["recovery"]["restored_fills"] >= 4


@pytest.mark.parametrize("mode", ["before", "after"])
def test_sigkill_between_journal_and_broker(driver, mode):
    d = driver
    d.spawn(cli=False, CRASH_AT="6", CRASH_MODE=mode)
    while d.step():
        pass  # until the session kills itself inside its 6th submit
    assert d.proc.wait(30) == -signal.SIGKILL
    d.outputs.append(d.proc.stdout.read())
    unsent = [o for o in Journal(d.folder / "journal.db").orders("crash") if o.status == "unsent"]
    assert unsent, "the crash left no journaled-but-unacknowledged request"
    d.spawn(cli=False)
    final = d.finish()
    _agree(d, final)
    rec = d.recovery()  # the restart's report (the first process was a fresh start)
    if mode == "before":  # never reached the broker: sent now with the same client_order_id
        assert rec["resubmitted"] == len(unsent) and rec["recorded"] == 0
    else:  # the broker had it: recorded, not sent twice
        assert rec["recorded"] == 1 and rec["resubmitted"] == len(unsent) - 1
