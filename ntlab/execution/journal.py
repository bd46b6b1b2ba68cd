"""The journal: every order request, state change and fill, written to SQLite before it is acted on.

Durability: the database runs in WAL mode with ``synchronous=NORMAL``. A committed
transaction survives the process being killed (``kill -9``); only a power cut can lose
the last commits, and ``durable=True`` (``synchronous=FULL``) closes that gap at the cost
of an fsync per write.

Idempotency: a decision's ``client_order_id`` is derived from (session, strategy, symbol,
bar time, sequence), so a restarted session that re-makes the same decision gets the same
id, finds it in the journal, and does not send it twice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ntlab._time import iso_utc, now_utc
from ntlab.errors import ExecutionError
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
    """

    def __init__(self, path: str | Path, *, durable: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
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
        db.execute(
            "INSERT INTO events(client_order_id, session_id, kind, payload, ts) VALUES (?,?,?,?,?)",
            (cid, sid, kind, json.dumps(payload), iso_utc(now_utc())),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ sessions
    def start_session(self, session_id: str, config: dict[str, Any]) -> bool:
        """Record a session start; False when the session already exists (a restart)."""
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
            row = self._db.execute(
                "SELECT config FROM sessions WHERE session_id=?", (session_id,)
            ).fetchone()
        return None if row is None else json.loads(row[0])

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
    def _rows_to_orders(self, rows: list[tuple]) -> list[JournalOrder]:
        return [
            JournalOrder(cid, sid, OrderRequest.from_json(req), status, boid, fq, fp)
            for cid, sid, req, status, boid, fq, fp in rows
        ]

    def orders(
        self, session_id: str | None = None, *, open_only: bool = False
    ) -> list[JournalOrder]:
        sql = "SELECT client_order_id, session_id, request, status, broker_order_id, filled_qty, filled_avg_price FROM orders"
        args: tuple = ()
        if session_id is not None:
            sql += " WHERE session_id=?"
            args = (session_id,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY rowid", args).fetchall()
        out = self._rows_to_orders(rows)
        return [o for o in out if o.is_open] if open_only else out

    def order(self, client_order_id: str) -> JournalOrder | None:
        with self._lock:
            rows = self._db.execute(
                "SELECT client_order_id, session_id, request, status, broker_order_id, filled_qty, filled_avg_price"
                " FROM orders WHERE client_order_id=?",
                (client_order_id,),
            ).fetchall()
        found = self._rows_to_orders(rows)
        return found[0] if found else None

    def fills(self, session_id: str | None = None) -> list[Fill]:
        sql = (
            "SELECT f.fill_id, f.client_order_id, f.symbol, f.side, f.quantity, f.price, f.commission, f.ts,"
            " o.broker_order_id FROM fills f JOIN orders o USING(client_order_id)"
        )
        args: tuple = ()
        if session_id is not None:
            sql += " WHERE o.session_id=?"
            args = (session_id,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY f.rowid", args).fetchall()
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
            for fid, cid, sym, side, qty, price, comm, ts, boid in rows
        ]

    def net_positions(self, session_id: str | None = None) -> dict[str, float]:
        """Signed quantity per symbol from the journaled fills."""
        out: dict[str, float] = {}
        for f in self.fills(session_id):
            out[f.symbol] = out.get(f.symbol, 0.0) + f.signed_quantity
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
        sql = "SELECT seq, client_order_id, session_id, kind, payload, ts FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", tuple(args)).fetchall()
        return [
            {
                "seq": s,
                "client_order_id": c,
                "session_id": sid,
                "kind": k,
                "payload": json.loads(p),
                "ts": ts,
            }
            for s, c, sid, k, p, ts in rows
        ]


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
                "INSERT INTO events(client_order_id, session_id, kind, payload, ts) VALUES (?,?,?,?,?)",
                self._events,
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
            " status, decided_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (cid, session_id, request.symbol, request.side.value, request.quantity, text, UNSENT,
             self.now, self.now),
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
            "UPDATE orders SET status=?, broker_order_id=?, filled_qty=?, filled_avg_price=?, updated_at=?"
            " WHERE client_order_id=?",
            (status, broker_id, filled_qty, avg, self.now, cid),
        )
        if cur.rowcount == 0:
            raise ExecutionError(
                f"order {cid} reached the journal without its request; record_request must come first"
            )
        self.event("state", payload, cid)

    def fill(self, fill: Fill) -> bool:
        """Write a fill once (False if this fill_id is already journaled)."""
        ts = _iso(fill.timestamp)
        cur = self._db.execute(
            "INSERT OR IGNORE INTO fills VALUES (?,?,?,?,?,?,?,?)",
            (
                fill.fill_id,
                fill.client_order_id,
                fill.symbol,
                fill.side.value,
                fill.quantity,
                fill.price,
                fill.commission,
                ts,
            ),
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
