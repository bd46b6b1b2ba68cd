"""A journal that cannot be trusted is refused in one line, unchanged; one writer at a time;
a new session over a broker's positions, a restart whose book disagrees with the broker's,
and a venue behind the journal's clock never trade (unless told to adopt the broker's book)."""

import hashlib
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ntlab.errors import JournalError, ReconciliationError
from ntlab.execution.journal import Journal
from ntlab.live import ReplayBarFeed
from ntlab.live.markets import Connection
from ntlab.model import OrderRequest
from tests.unit.live._helpers import REQUEST, SharedSimMarket, make_session

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def traded(tmp_path_factory):
    """A stopped session's journal (clean close: everything checkpointed into journal.db)."""
    tmp = tmp_path_factory.mktemp("traded")
    market = SharedSimMarket()
    s = make_session(tmp, market, max_bars=60)
    s.start(REQUEST)
    s.run()
    final = s.stop()
    path = Path(final["journal"])
    j = Journal(path)
    snapshot = (j.net_positions("test-session"), [o.status for o in j.orders("test-session")])
    j.close()
    assert snapshot[0] and len(snapshot[1]) > 5
    return path, snapshot


def test_a_clean_stop_checkpoints_the_wal_so_journal_db_alone_holds_everything(traded, tmp_path):
    path, snapshot = traded
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)  # the main file only
    j = Journal(copy)
    assert (
        j.net_positions("test-session"),
        [o.status for o in j.orders("test-session")],
    ) == snapshot


@pytest.mark.parametrize("damage", ["zeroed", "garbage-header", "truncated-half"])
def test_a_damaged_journal_is_refused_unchanged(traded, tmp_path, damage):
    path, _ = traded
    bad = tmp_path / "j" / "journal.db"
    bad.parent.mkdir()
    raw = path.read_bytes()
    bad.write_bytes({"zeroed": bytes(len(raw)), "garbage-header": b"x" * 100 + raw[100:],
                     "truncated-half": raw[: len(raw) // 2]}[damage])  # fmt: skip
    before = _files(bad.parent)
    with pytest.raises(JournalError) as exc:
        Journal(bad)
    line = str(exc.value)
    assert "\n" not in line and str(bad) in line and ("damaged" in line or "not a database" in line)
    assert _files(bad.parent) == before  # nothing written, not even a -wal


def test_single_byte_corruptions_never_silently_change_what_is_restored(traded, tmp_path):
    path, snapshot = traded
    raw = bytearray(path.read_bytes())
    rng = random.Random(16)
    outcomes = {"refused": 0, "same": 0}
    for trial in range(60):
        pos = rng.randrange(100, len(raw))  # past the header, whose damage is the test above
        copy = bytearray(raw)
        copy[pos] ^= 1 << rng.randrange(8)
        p = tmp_path / f"c{trial}.db"
        p.write_bytes(bytes(copy))
        try:
            j = Journal(p)
            got = (j.net_positions("test-session"), [o.status for o in j.orders("test-session")])
            j.events(session_id="test-session")
            j.close()
        except JournalError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
            continue
        assert got == snapshot, f"byte {pos} changed what a restart restores, silently"
        outcomes["same"] += 1
    assert outcomes["refused"] + outcomes["same"] == 60 and outcomes["refused"] > 0
    print(f"single-byte corruptions: {outcomes}")  # the README's figure (pytest -s shows it)


def test_a_read_only_journal_is_refused_with_nothing_written(traded, tmp_path, monkeypatch):
    path, _ = traded
    if os.geteuid() == 0:  # root writes read-only files: let the access check see what a user would
        real = os.access
        monkeypatch.setattr(
            os,
            "access",
            lambda p, mode: (
                real(p, mode) and not (mode & os.W_OK and not os.stat(p).st_mode & 0o222)
            ),
        )
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(path, folder / "journal.db")
    (folder / "journal.db").chmod(0o444)
    before = _files(folder)
    with pytest.raises(JournalError, match="read-only"):
        Journal(folder / "journal.db")
    assert _files(folder) == before


def test_a_journal_deleted_while_running_stops_the_writes(tmp_path):
    j = Journal(tmp_path / "journal.db")
    j.start_session("s", {})
    (tmp_path / "journal.db").unlink()
    with pytest.raises(JournalError, match="deleted or replaced while the session ran"):
        j.record_request("s", OrderRequest(symbol="AAPL", side="buy", quantity=1))
    j.close()


LOCKER = """
import sys
from ntlab.execution.journal import Journal
from ntlab.errors import JournalError
try:
    Journal(sys.argv[1], writer=True)
except JournalError as exc:
    print(exc); sys.exit(3)
print("got it")
"""


def test_one_writer_a_second_process_is_refused_and_a_kill_frees_the_lock(tmp_path):
    path = tmp_path / "journal.db"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    holder = Journal(path, writer=True)
    r = subprocess.run([sys.executable, "-c", LOCKER, str(path)], env=env, capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert f"in use by another running session (process {os.getpid()})" in r.stdout
    assert len(r.stdout.strip().splitlines()) == 1
    reader = Journal(path)  # readers need no lock
    reader.close()
    holder.close()
    r = subprocess.run([sys.executable, "-c", LOCKER, str(path)], env=env, capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0 and "got it" in r.stdout
    # a writer killed with SIGKILL frees the lock (the kernel drops it with the process)
    p = subprocess.Popen([sys.executable, "-c", LOCKER.replace('print("got it")', 'print("got it", flush=True); import time; time.sleep(60)'), str(path)],
                         env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert p.stdout.readline().strip() == "got it"
    with pytest.raises(JournalError, match="in use"):
        Journal(path, writer=True)
    p.kill()
    p.wait(30)
    Journal(path, writer=True).close()


# ---------------------------------------------------------------------- the session's side
def _trade(tmp_path, market, bars=40):
    s = make_session(tmp_path, market, max_bars=bars)
    s.start(REQUEST)
    s.run()
    s.stop()
    held = {p.symbol: p.quantity for p in market.conn.client.positions()}
    assert held, "the session should hold positions for these tests"
    return held


def _journal_files(tmp_path) -> list[Path]:
    folder = tmp_path / "session"
    return [folder / n for n in ("journal.db", "journal.db-wal", "journal.db-shm")]


@pytest.mark.parametrize("loss", ["deleted", "emptied"])
def test_a_journal_that_lost_its_contents_never_starts_over_the_brokers_positions(tmp_path, loss):
    market = SharedSimMarket()
    held = _trade(tmp_path, market)
    for f in _journal_files(tmp_path):
        if f.exists():
            f.unlink() if loss == "deleted" else f.write_bytes(b"")
    orders_before = len(market.conn.client.list_orders("all"))
    s = make_session(tmp_path, market, max_bars=5)
    with pytest.raises(ReconciliationError) as exc:
        s.start(REQUEST)
    line = str(exc.value)
    assert (
        "\n" not in line
        and "a new session (nothing in its journal) found the broker holding" in line
    )
    for symbol, qty in held.items():
        assert f"{symbol} session 0 / broker {qty:g} / journal 0" in line
    assert "on_disagreement='adopt'" in line
    assert len(market.conn.client.list_orders("all")) == orders_before  # nothing was sent
    # the explicit choice: adopt the broker's book; the session then agrees and trades on
    s = make_session(tmp_path, market, max_bars=5, on_disagreement="adopt")
    s.start(REQUEST)
    assert s.agreement()["gaps"] == {}
    s.run()
    assert s.agreement()["gaps"] == {}
    s.stop()
    s = make_session(tmp_path, market, max_bars=3)  # a later restart replays the adoption
    s.start(REQUEST)
    assert s.recovery["position_gaps"] == {} and s.agreement()["gaps"] == {}
    s.stop()


def test_a_restart_that_disagrees_with_the_broker_halts_and_says_what_differs(tmp_path):
    market = SharedSimMarket()
    held = _trade(tmp_path, market)
    symbol = sorted(held)[0]
    client = market.conn.client  # someone trades the account behind the session's back
    client.submit(OrderRequest(symbol=symbol, side="buy", quantity=7))
    feed = market.conn.feed
    bar = feed.bar(feed.position)
    market.conn.sim.on_bar_arrays(
        bar.timestamp, feed.symbols, bar.open, bar.high, bar.low, bar.close
    )
    s = make_session(tmp_path, market, max_bars=5)
    with pytest.raises(ReconciliationError) as exc:
        s.start(REQUEST)
    line = str(exc.value)
    assert "the restart found the session's book and the broker's disagreeing" in line
    assert (
        f"{symbol} session {held[symbol]:g} / broker {held[symbol] + 7:g} / journal {held[symbol]:g}"
        in line
    )
    events = Journal(tmp_path / "session" / "journal.db").events("disagreement", "test-session")
    assert events[-1]["payload"]["gaps"][symbol]["broker"] == held[symbol] + 7
    s = make_session(tmp_path, market, max_bars=5, on_disagreement="adopt")
    s.start(REQUEST)
    assert s.agreement()["gaps"] == {}
    s.stop()


def test_a_venue_replaying_older_bars_is_refused(tmp_path):
    market = SharedSimMarket()
    _trade(tmp_path, market)
    old = market.conn
    market.conn = Connection(
        ReplayBarFeed(market.data, start=old.feed.position - 20), old.client, old.sim
    )
    for choice in ("halt", "adopt"):
        s = make_session(tmp_path, market, max_bars=5, on_disagreement=choice)
        with pytest.raises(ReconciliationError, match="is older than the journal's last bar"):
            s.start(REQUEST)
