"""Fault injection against ``ntlab paper`` on the local exchange (small and bounded).

The session runs in a subprocess and talks to the exchange only through alpaca-py; the
exchange lives in this test process and outlives the session. Faults: SIGKILLs at random
moments, the exchange killed and restarted, the session stalled (SIGSTOP) while the clock
runs, trade-update streams dropped, 429/500/no-answer from the REST API, journal damage.
Asserted each time: never an order lost or doubled (the broker's orders are exactly the
journal's, fills once each), never trading on a book that disagrees with the broker's
(the restart agrees or refuses), every refusal named in one line.
"""

import json
import random
import shutil
import signal
import time

import pytest

from ntlab.cli import main
from ntlab.exchange.app import LocalExchange
from ntlab.execution import Commission, ExecutionPolicy
from tests.integration.test_live_crash import KEYS, Driver, _agree
from tests.unit.live._helpers import DATA, SYMBOLS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]
START = 60
FREE = ExecutionPolicy(commission=Commission(pct=0.0))


def _exchange(bars: int, start: int = START) -> LocalExchange:
    data = DATA.select(SYMBOLS)[: START + bars]
    return LocalExchange(data, start=start, keys=KEYS, policy=FREE, max_leverage=2.0)


def _point(d: Driver, url: str) -> None:
    cfg = json.loads(d.config.read_text())
    d.config.write_text(json.dumps(cfg | {"exchange_url": url}))


def _refused(d: Driver, capsys, folder=None) -> str:
    """``ntlab paper`` (in this process: a refusal happens before any bar) expecting a
    refusal: rc 2 and one clear line."""
    extra = [] if folder is None else ["--folder", str(folder)]
    with pytest.MonkeyPatch.context() as mp:
        for k in ("ALPACA_API_KEY", "ALPACA_SECRET_KEY"):
            mp.setenv(k, d.env[k])
        capsys.readouterr()
        rc = main(["paper", str(d.config), "--no-progress", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("ntlab paper: error: "), err
    return err[0]


def _kill_lane(tmp_path, seed: int, kills: int) -> tuple[Driver, dict]:
    """One session on its own exchange, SIGKILLed ``kills`` times at random moments
    (after a bar: mid-decision, mid-submit or mid-journal), restarted each time."""
    rng = random.Random(seed)
    tmp_path.mkdir(parents=True)
    ex = _exchange(45)
    with ex.serve() as urls:
        d = Driver(tmp_path, urls, ex)
        d.spawn(cli=False)
        for _ in range(kills):
            assert not ex.finished, "the data ended before the kills"
            for _ in range(rng.randrange(0, 2)):
                assert d.step(), d.last_words()  # some bars the session takes whole
            ex.step()  # and one it is in the middle of when the kill lands
            time.sleep(rng.uniform(0.0, 0.08))
            d.kill()
            d.spawn(cli=False)  # resumes: it agrees with the broker or refuses to start
        return d, d.finish()


def test_twenty_sigkills_at_random_moments(tmp_path):
    """20 kills in 2 lanes run side by side (each its own exchange and session)."""
    from concurrent.futures import ThreadPoolExecutor

    lanes = 2
    with ThreadPoolExecutor(lanes) as pool:
        runs = list(
            pool.map(lambda i: _kill_lane(tmp_path / f"lane{i}", 1616 + i, 10), range(lanes))
        )
    for d, final in runs:
        _agree(d, final)  # orders = the journal's, fills once, positions and cash agree
        assert final["recovery"]["position_gaps"] == {}
        assert d._events("session_restart") == 10


def test_the_exchange_killed_and_restarted_is_refused_in_one_line(tmp_path, capsys):
    ex = _exchange(30)
    with ex.serve() as urls:
        d = Driver(tmp_path, urls, ex)
        d.spawn(cli=True)
        while not d.exchange.client.positions():
            assert d.step(), d.last_words()
        d.kill()
        at = ex.position
    # the venue restarts with a fresh book (its orders and positions are gone): refused
    fresh = _exchange(30, start=at + 1)  # its clock where the old one stopped
    with fresh.serve() as urls:
        d.exchange = fresh
        _point(d, urls.rest)
        line = _refused(d, capsys)
        assert "the restart found the session's book and the broker's disagreeing" in line
        assert "broker 0" in line and "on_disagreement='adopt'" in line
        assert fresh.client.list_orders("all") == []  # nothing was sent to it
    # a venue replaying bars older than the journal's last one: refused
    behind = _exchange(30, start=START)
    with behind.serve() as urls:
        _point(d, urls.rest)
        assert "is older than the journal's last bar" in _refused(d, capsys)
        assert behind.client.list_orders("all") == []


def test_a_stalled_session_never_stops_the_exchange_clock(tmp_path):
    ex = _exchange(40)
    with ex.serve() as urls:
        ex._stream.send_timeout = 0.5
        d = Driver(tmp_path, urls, ex)
        d.spawn(cli=True)
        for _ in range(5):
            assert d.step(), d.last_words()
        d.proc.send_signal(signal.SIGSTOP)  # a frozen process: its sockets fill, it answers nothing
        try:
            for _ in range(20):
                ex.step()  # the clock goes on (a client that blocks a send is dropped)
            assert ex.position == START + 24 and not ex.clock_errors
        finally:
            d.proc.send_signal(signal.SIGCONT)
        final = d.finish()  # the session wakes, catches up on what it gets, and stops cleanly
    _agree(d, final, restarts=0)


def test_dropped_streams_and_rest_trouble_lose_nothing(tmp_path):
    rng = random.Random(7)
    ex = _exchange(25)
    with ex.serve() as urls:
        d = Driver(tmp_path, urls, ex)
        d.spawn(cli=True)
        faults = ex.faults
        for bar in range(24):
            if bar % 6 == 2:
                faults.drop_streams()
            elif bar % 6 == 4:
                faults.rate_limit_next = 6  # 429s in a row
            elif bar % 6 == 5:
                faults.error_next = rng.randrange(2, 5)  # a run of 500s
            elif bar % 6 == 0:
                faults.stall_next, faults.stall_seconds = 1, 0.4  # a slow answer
            if ex.finished:
                break
            assert d.step(), d.last_words()
        final = d.finish()
    assert faults.drops >= 3 and faults.requests_seen > 50
    _agree(d, final, restarts=0)


def test_journal_damage_after_a_kill_is_refused_never_traded_over(tmp_path, capsys):
    ex = _exchange(30)
    with ex.serve() as urls:
        d = Driver(tmp_path, urls, ex)
        d.spawn(cli=True)
        while not ex.client.positions():
            assert d.step(), d.last_words()
        d.step()
        d.kill()
        wal = d.folder / "journal.db-wal"
        assert wal.exists() and wal.stat().st_size > 0, "after a kill the data sits in the WAL"
        orders = len(ex.client.list_orders("all"))
        for damage in ("zeroed", "wal-deleted", "deleted", "bit-flipped"):
            folder = tmp_path / damage
            shutil.copytree(d.folder, folder)
            db, wal = folder / "journal.db", folder / "journal.db-wal"
            if damage == "zeroed":
                for f in (db, wal):
                    f.write_bytes(bytes(f.stat().st_size))
            elif damage == "wal-deleted":
                wal.unlink()
            elif damage == "deleted":
                for f in folder.glob("journal.db*"):
                    f.unlink()
            else:  # a flipped bit in a committed record of the WAL
                raw = bytearray(wal.read_bytes())
                raw[len(raw) // 2] ^= 0x10
                wal.write_bytes(bytes(raw))
            line = _refused(d, capsys, folder)
            if damage == "bit-flipped" and "error" not in line:
                continue
            assert (
                "is damaged" in line
                or "a new session (nothing in its journal) found the broker holding" in line
                or "disagreeing" in line
            ), (damage, line)
            assert len(ex.client.list_orders("all")) == orders  # nothing sent on a wrong belief
