"""The journal: every order request, state change and fill, written to SQLite before it is acted on.

Durability: the database runs in WAL mode with ``synchronous=NORMAL``. A committed
transaction survives the process being killed (``kill -9``); only a power cut can lose
the last commits, and ``durable=True`` (``synchronous=FULL``) closes that gap at the cost
of an fsync per write.

Integrity: opening a journal runs SQLite's ``integrity_check`` before anything is written,
and every order, fill and event row carries a checksum of its fields, verified whenever it
is read; a damaged, unreadable or read-only journal is refused with one line
(:class:`~ntlab.errors.JournalError`), unchanged. A clean close checkpoints the WAL into
the main file, so after a clean stop ``journal.db`` alone holds everything (after a kill
the last commits may sit in ``journal.db-wal``: copy both). Every write first checks that
the file is still the one opened (not deleted or replaced meanwhile).

One writer: :meth:`Journal.start_session` takes an exclusive lock (``journal.db.lock``,
released by :meth:`close` or by the process ending, also by a kill); a second process
starting a session on the same journal is refused. Readers need no lock.

Idempotency: a decision's ``client_order_id`` is derived from (session, strategy, symbol,
bar time, sequence), so a restarted session that re-makes the same decision gets the same
id, finds it in the journal, and does not send it twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ntlab._time import iso_utc, now_utc
from ntlab.errors import ExecutionError, JournalError
from ntlab.model import Fill, Order, OrderRequest, OrderStatus

__all__ = ["Journal", "JournalBatch", "JournalOrder", "decision_id"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    started_at TEXT NOT NULL,
    stopped_at TEXT,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    quantity REAL NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    broker_order_id TEXT,
    filled_qty REAL NOT NULL DEFAULT 0,
    filled_avg_price REAL,
    decided_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_session ON orders(session_id, status);
CREATE TABLE IF NOT EXISTS fills (
    fill_id TEXT PRIMARY KEY,
    client_order_id TEXT NOT NULL REFERENCES orders(client_order_id),
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    quantity REAL NOT NULL,
    price REAL NOT NULL,
    commission REAL NOT NULL,
    ts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_order_id TEXT,
    session_id TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    ts TEXT NOT NULL
);
"""

#: Journal status of a request written but not yet acknowledged by the broker.
UNSENT = "unsent"

#: Checksum columns added to journals written before checksums existed (their rows stay unchecked).
_DIGESTS = {"orders": ("req_digest", "state_digest"), "fills": ("digest",), "events": ("digest",)}


def _digest(*values: Any) -> str:
    """Checksum of one row's fields (numbers by their float value, as SQLite's REAL keeps them)."""
    parts = []
    for v in values:
        if v is None:
            parts.append("\x00")
        elif isinstance(v, int | float) and not isinstance(v, bool):
            parts.append(repr(float(v)))
        else:
            parts.append(str(v))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


class _WriterLock:
    """An exclusive ``flock`` on ``<journal>.lock``, shared by the Journals of one process."""

    _held: dict[str, list] = {}  # path -> [fd, holders]
    _guard = threading.Lock()

    @classmethod
    def acquire(cls, journal: Path) -> str:
        import fcntl

        key = str(journal.resolve()) + ".lock"
        with cls._guard:
            if key in cls._held:
                cls._held[key][1] += 1
                return key
            fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 200).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise JournalError(
                    f"journal {journal} is in use by another running session (process {holder}); "
                    "two writers would each trade on a book the other changes: stop that one first"
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            cls._held[key] = [fd, 1]
            return key

    @classmethod
    def release(cls, key: str) -> None:
        with cls._guard:
            entry = cls._held.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del cls._held[key]
                os.close(entry[0])


def decision_id(
    session_id: str, strategy: str, symbol: str, bar_time: datetime, seq: int = 0
) -> str:
    """Deterministic client_order_id for one decision (same inputs, same id, after any restart)."""
    key = f"{session_id}|{strategy}|{symbol}|{_iso(bar_time)}|{seq}"
    return "ntlab-" + hashlib.sha256(key.encode()).hexdigest()[:26]


@dataclass(frozen=True)
class JournalOrder:
    """An order as the journal knows it."""

    client_order_id: str
    session_id: str
    request: OrderRequest
    status: str
    broker_order_id: str | None
    filled_qty: float
    filled_avg_price: float | None

    @property
    def is_open(self) -> bool:
        return self.status == UNSENT or not OrderStatus(self.status).is_terminal


class Journal:
    """Embedded SQLite journal (one file), safe to share between threads of one process.

    Parameters
    ----------
    path : path
        The database file; created with its folder when missing.
    durable : bool
        ``synchronous=FULL`` (fsync every commit) instead of ``NORMAL``.
    writer : bool
        Take the one-writer lock now (a session does, before reading or writing anything);
        :meth:`start_session` takes it otherwise.
    """

    def __init__(self, path: str | Path, *, durable: bool = False, writer: bool = False) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._writer: str | None = None
        existed = self.path.exists()
        if existed:
            self._check_access()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if writer:  # before anything is read or written
            self._writer = _WriterLock.acquire(self.path)
        try:
            self._connect(existed, durable)
        except JournalError:
            if self._writer is not None:
                _WriterLock.release(self._writer)
                self._writer = None
            raise
        self._identity = self._stat()

    def _connect(self, existed: bool, durable: bool) -> None:
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self.path} cannot be opened: {exc}") from None
        try:
            if existed:  # before anything is written
                problems = [r[0] for r in self._db.execute("PRAGMA integrity_check(5)")]
                if problems != ["ok"]:
                    raise sqlite3.DatabaseError("; ".join(problems))
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:
                if "readonly" not in str(exc):
                    raise
                self._db.close()
                raise JournalError(
                    f"journal {self.path} is read-only ({exc}): a session must write its journal "
                    "before it trades; fix the permissions or use another folder"
                ) from None
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._add_digest_columns()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalError(
                f"journal {self.path} is damaged ({exc}); it was not changed: restore it (with its "
                "-wal file) or start a new session id"
            ) from None

    def _check_access(self) -> None:
        if not self.path.is_file():
            raise JournalError(f"journal {self.path} is not a file")
        for p in (self.path, self.path.parent):
            if not os.access(p, os.R_OK | os.W_OK):
                raise JournalError(
                    f"journal {self.path} is read-only ({p} is not writable): a session must "
                    "write its journal before it trades; fix the permissions or use another folder"
                )

    def _add_digest_columns(self) -> None:
        for table, columns in _DIGESTS.items():
            have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def check_file(self) -> None:
        """Raise :class:`JournalError` if the file was deleted or replaced since it was opened."""
        if self._stat() != self._identity:
            raise JournalError(
                f"journal {self.path} was deleted or replaced while the session ran; "
                "nothing more is written or sent: restore it or stop the session"
            )

    def _fetch(self, sql: str, args: tuple = ()) -> list[tuple]:
        """A read; SQLite's own errors on a damaged file become one JournalError line."""
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(f"a read ({exc})") from None

    def _damaged(self, what: str) -> JournalError:
        return JournalError(
            f"journal {self.path} is damaged: {what} does not match its checksum; refusing to "
            "trade on it: restore the journal (with its -wal file) or start a new session id"
        )

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.check_file()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _event(
        self,
        db: sqlite3.Connection,
        kind: str,
        payload: dict[str, Any],
        cid: str | None = None,
        sid: str | None = None,
    ) -> None:
        row = (cid, sid, kind, json.dumps(payload), iso_utc(now_utc()))
        db.execute(
            "INSERT INTO events(client_order_id, session_id, kind, payload, ts, digest)"
            " VALUES (?,?,?,?,?,?)",
            (*row, _digest(*row)),
        )

    def close(self) -> None:
        """Close; a writer first checkpoints the WAL into the main file and drops its lock."""
        with self._lock:
            if self._writer is not None:
                try:
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error:  # busy with a reader: the WAL stays, nothing is lost
                    pass
            self._db.close()
            if self._writer is not None:
                _WriterLock.release(self._writer)
                self._writer = None

    # ------------------------------------------------------------------ sessions
    def start_session(self, session_id: str, config: dict[str, Any]) -> bool:
        """Record a session start; False when the session already exists (a restart).

        Takes the writer's lock first: another process writing this journal is refused.
        """
        if self._writer is None:
            self._writer = _WriterLock.acquire(self.path)
        with self._tx() as db:
            row = db.execute(
                "SELECT status FROM sessions WHERE session_id=?", (session_id,)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO sessions VALUES (?,?,?,?,?)",
                    (session_id, json.dumps(config), iso_utc(now_utc()), None, "running"),
                )
                self._event(db, "session_start", config, sid=session_id)
                return True
            db.execute(
                "UPDATE sessions SET status='running', stopped_at=NULL WHERE session_id=?",
                (session_id,),
            )
            self._event(db, "session_restart", {}, sid=session_id)
            return False

    def stop_session(self, session_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET status='stopped', stopped_at=? WHERE session_id=?",
                (iso_utc(now_utc()), session_id),
            )
            self._event(db, "session_stop", {}, sid=session_id)

    def session_config(self, session_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = self._fetch("SELECT config FROM sessions WHERE session_id=?", (session_id,))
        if not rows:
            return None
        try:
            return json.loads(rows[0][0])
        except (json.JSONDecodeError, TypeError):
            raise self._damaged(f"session {session_id}'s config") from None

    # ------------------------------------------------------------------ orders
    @contextmanager
    def batch(self) -> Iterator[JournalBatch]:
        """Write several requests, states, fills and events in one transaction.

        A session journals each bar's decisions (and each batch of order updates) this
        way: one commit instead of one per row, all or nothing.
        """
        with self._tx() as db:
            batch = JournalBatch(self, db)
            yield batch
            batch._flush()

    def record_request(self, session_id: str, request: OrderRequest) -> bool:
        """Write a request before it is sent. False if that client_order_id is already journaled."""
        with self.batch() as b:
            return b.request(session_id, request)

    def record_order(self, order: Order) -> None:
        """Write the broker's view of an order (acknowledgement or state change)."""
        with self.batch() as b:
            b.order(order)

    def record_fill(self, fill: Fill) -> bool:
        """Write a fill once (False if this fill_id is already journaled)."""
        with self.batch() as b:
            return b.fill(fill)

    # ------------------------------------------------------------------ queries
    _ORDER_COLUMNS = (
        "client_order_id, session_id, request, status, broker_order_id, filled_qty,"
        " filled_avg_price, symbol, side, quantity, req_digest, state_digest"
    )

    def _rows_to_orders(self, rows: list[tuple]) -> list[JournalOrder]:
        out = []
        for cid, sid, req, status, boid, fq, fp, sym, side, qty, rd, sd in rows:
            if (rd is not None and rd != _digest(cid, sid, sym, side, qty, req)) or (
                sd is not None and sd != _digest(cid, status, boid, fq, fp)
            ):
                raise self._damaged(f"order {cid}")
            try:
                request = OrderRequest.from_json(req)
            except (ValueError, TypeError, KeyError) as exc:
                raise self._damaged(f"order {cid} ({exc})") from None
            out.append(JournalOrder(cid, sid, request, status, boid, fq, fp))
        return out

    def orders(
        self, session_id: str | None = None, *, open_only: bool = False
    ) -> list[JournalOrder]:
        sql = f"SELECT {self._ORDER_COLUMNS} FROM orders"
        args: tuple = ()
        if session_id is not None:
            sql += " WHERE session_id=?"
            args = (session_id,)
        with self._lock:
            rows = self._fetch(sql + " ORDER BY rowid", args)
        out = self._rows_to_orders(rows)
        return [o for o in out if o.is_open] if open_only else out

    def order(self, client_order_id: str) -> JournalOrder | None:
        with self._lock:
            rows = self._fetch(
                f"SELECT {self._ORDER_COLUMNS} FROM orders WHERE client_order_id=?",
                (client_order_id,),
            )
        found = self._rows_to_orders(rows)
        return found[0] if found else None

    def fills(self, session_id: str | None = None) -> list[Fill]:
        sql = (
            "SELECT f.fill_id, f.client_order_id, f.symbol, f.side, f.quantity, f.price, f.commission, f.ts,"
            " o.broker_order_id, f.digest FROM fills f JOIN orders o USING(client_order_id)"
        )
        args: tuple = ()
        if session_id is not None:
            sql += " WHERE o.session_id=?"
            args = (session_id,)
        with self._lock:
            rows = self._fetch(sql + " ORDER BY f.rowid", args)
        for row in rows:
            if row[9] is not None and row[9] != _digest(*row[:8]):
                raise self._damaged(f"fill {row[0]}")
        return [
            Fill(
                fill_id=fid,
                client_order_id=cid,
                order_id=boid or cid,
                symbol=sym,
                side=side,
                quantity=qty,
                price=price,
                commission=comm,
                timestamp=ts,
            )
            for fid, cid, sym, side, qty, price, comm, ts, boid, _ in rows
        ]

    def net_positions(self, session_id: str | None = None) -> dict[str, float]:
        """Signed quantity per symbol from the journaled fills (and positions adopted from the
        broker after a disagreement: ``adopt`` events)."""
        out: dict[str, float] = {}
        for f in self.fills(session_id):
            out[f.symbol] = out.get(f.symbol, 0.0) + f.signed_quantity
        for event in self.events("adopt", session_id):
            for symbol, (qty, _price) in event["payload"]["positions"].items():
                out[symbol] = out.get(symbol, 0.0) + float(qty)
        return {s: q for s, q in out.items() if abs(q) > 1e-12}

    def events(
        self, kind: str | None = None, session_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Journal events in order, optionally of one ``kind`` and one session."""
        where, args = [], []
        for column, value in (("kind", kind), ("session_id", session_id)):
            if value:
                where.append(f"{column}=?")
                args.append(value)
        sql = "SELECT seq, client_order_id, session_id, kind, payload, ts, digest FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._fetch(sql + " ORDER BY seq", tuple(args))
        for seq, c, sid, k, p, ts, d in rows:
            if d is not None and d != _digest(c, sid, k, p, ts):
                raise self._damaged(f"event {seq} ({k})")
        try:
            return [
                {
                    "seq": s,
                    "client_order_id": c,
                    "session_id": sid,
                    "kind": k,
                    "payload": json.loads(p),
                    "ts": ts,
                }
                for s, c, sid, k, p, ts, _ in rows
            ]
        except json.JSONDecodeError:
            raise self._damaged("an event's payload") from None


def _iso(ts: datetime) -> str:
    """:func:`iso_utc` for a datetime already in UTC (the model's timestamps), without pandas."""
    if type(ts) is datetime and ts.utcoffset() == timedelta(0):
        return ts.replace(tzinfo=None).isoformat() + "Z"
    return iso_utc(ts)


class JournalBatch:
    """The writes of one :meth:`Journal.batch` transaction (do not keep it past the block).

    Events are collected and written with one ``executemany`` when the block ends.
    """

    def __init__(self, journal: Journal, db: sqlite3.Connection) -> None:
        self._journal, self._db = journal, db
        self.now = _iso(now_utc())
        self._events: list[tuple] = []

    def event(
        self, kind: str, payload: dict[str, Any], cid: str | None = None, sid: str | None = None
    ) -> None:
        self._events.append((cid, sid, kind, json.dumps(payload), self.now))

    def _flush(self) -> None:
        if self._events:
            self._db.executemany(
                "INSERT INTO events(client_order_id, session_id, kind, payload, ts, digest)"
                " VALUES (?,?,?,?,?,?)",
                [(*e, _digest(*e)) for e in self._events],
            )
            self._events.clear()

    def request(self, session_id: str, request: OrderRequest) -> bool:
        """Write a request before it is sent. False if that client_order_id is already journaled."""
        cid = request.client_order_id
        payload = {  # request.to_dict() by hand: this runs for every order of a session
            "symbol": request.symbol,
            "side": request.side.value,
            "quantity": request.quantity,
            "orderType": request.order_type.value,
            "timeInForce": request.time_in_force.value,
            "limitPrice": request.limit_price,
            "stopPrice": request.stop_price,
            "clientOrderId": cid,
            "strategyId": request.strategy_id,
        }
        text = json.dumps(payload)
        cur = self._db.execute(
            "INSERT OR IGNORE INTO orders(client_order_id, session_id, symbol, side, quantity, request,"
            " status, decided_at, updated_at, req_digest, state_digest) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (cid, session_id, request.symbol, request.side.value, request.quantity, text, UNSENT,
             self.now, self.now,
             _digest(cid, session_id, request.symbol, request.side.value, request.quantity, text),
             _digest(cid, UNSENT, None, 0.0, None)),
        )  # fmt: skip
        if cur.rowcount == 0:
            return False
        self._events.append((cid, session_id, "request", text, self.now))
        return True

    def order(self, order: Order) -> None:
        """Write the broker's view of an order (acknowledgement or state change)."""
        self._update(
            order.client_order_id,
            order.status.value,
            order.order_id,
            order.filled_qty,
            order.filled_avg_price,
            order.to_dict(),
        )

    def state(
        self,
        client_order_id: str,
        status: str,
        broker_order_id: str | None,
        filled_qty: float,
        filled_avg_price: float | None,
    ) -> None:
        """:meth:`order` from the fields alone (a session's merged view of an order)."""
        payload = {
            "clientOrderId": client_order_id,
            "orderId": broker_order_id,
            "status": status,
            "filledQty": filled_qty,
            "filledAvgPrice": filled_avg_price,
        }
        self._update(
            client_order_id, status, broker_order_id, filled_qty, filled_avg_price, payload
        )

    def _update(self, cid, status, broker_id, filled_qty, avg, payload) -> None:
        cur = self._db.execute(
            "UPDATE orders SET status=?, broker_order_id=?, filled_qty=?, filled_avg_price=?, updated_at=?,"
            " state_digest=? WHERE client_order_id=?",
            (
                status,
                broker_id,
                filled_qty,
                avg,
                self.now,
                _digest(cid, status, broker_id, filled_qty, avg),
                cid,
            ),  # fmt: skip
        )
        if cur.rowcount == 0:
            raise ExecutionError(
                f"order {cid} reached the journal without its request; record_request must come first"
            )
        self.event("state", payload, cid)

    def fill(self, fill: Fill) -> bool:
        """Write a fill once (False if this fill_id is already journaled)."""
        ts = _iso(fill.timestamp)
        row = (fill.fill_id, fill.client_order_id, fill.symbol, fill.side.value, fill.quantity,
               fill.price, fill.commission, ts)  # fmt: skip
        cur = self._db.execute(
            "INSERT OR IGNORE INTO fills(fill_id, client_order_id, symbol, side, quantity, price,"
            " commission, ts, digest) VALUES (?,?,?,?,?,?,?,?,?)",
            (*row, _digest(*row)),
        )
        if cur.rowcount == 0:
            return False
        payload = {
            "orderId": fill.order_id,
            "clientOrderId": fill.client_order_id,
            "symbol": fill.symbol,
            "side": fill.side.value,
            "quantity": fill.quantity,
            "price": fill.price,
            "timestamp": ts,
            "commission": fill.commission,
            "fillId": fill.fill_id,
        }
        self.event("fill", payload, fill.client_order_id)
        return True
