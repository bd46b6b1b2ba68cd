"""``ntlab paper CONFIG``: run a paper-trading session from a config file and print its final status.

The config (JSON or TOML) holds the StartRequest fields (strategies, symbols, risk_level,
max_position_size, stop/take-profit percentages, use_gpu), the data to replay, the broker
(``sim``, ``exchange`` or ``alpaca``) and session settings; see
``data/paper_session.example.json`` and :mod:`ntlab.live.config`. Ctrl-C (or SIGTERM) stops
the session cleanly: working orders cancelled, journal flushed. With a broker that outlives
the process (``exchange``, ``alpaca``), running it again with the same ``session_id`` and
folder resumes from the journal and reconciles with the broker, also after a crash.
"""

from __future__ import annotations

import argparse
import json
import signal


def add_parser(sub) -> None:
    p = sub.add_parser(
        "paper", help="run a paper-trading session from a config file", description=__doc__
    )
    p.add_argument("config", help="session config (.json or .toml)")
    p.add_argument(
        "--session-id", help="override the config's session_id (the same id resumes a session)"
    )
    p.add_argument("--folder", help="override where the journal and the decision log go")
    p.add_argument("--max-bars", type=int, help="stop after this many bars")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the final status as JSON")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from ntlab.live.config import load_config, open_session

    cfg = load_config(args.config)
    overrides = {
        k: v
        for k, v in (
            ("session_id", args.session_id),
            ("folder", args.folder),
            ("max_bars", args.max_bars),
        )
        if v is not None
    }
    session = open_session(cfg, **overrides)
    started = session.start(cfg.request)
    print(
        f"session {started['session_id']} {started['status']}: {', '.join(started['active_strategies']) or 'no strategy'} "
        f"on {len(started['symbols'])} symbols, broker {cfg.broker}; journal {session.journal.path}"
    )
    if session.recovery:
        print(f"resumed from the journal: {json.dumps(session.recovery)}")
    previous = signal.signal(signal.SIGTERM, lambda *_: session._halt.set())
    try:
        session.run(progress=not args.no_progress)
    except KeyboardInterrupt:
        print("interrupted: stopping the session cleanly")
    finally:
        signal.signal(signal.SIGTERM, previous)
        final = session.stop()
    _report(final, as_json=args.json)
    return 0


def _report(status: dict, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(status, indent=2, default=str))
        return
    lat = status["decision_latency_ms"]
    print(
        f"state: {status['state']} after {status['bars_processed']} bars (last bar {status['bar_time']})"
    )
    print(
        f"equity {status['equity']:,.2f}  cash {status['cash']:,.2f}  realized {status['realized_pnl']:,.2f}  "
        f"unrealized {status['unrealized_pnl']:,.2f}  fees {status['fees']:,.2f}"
    )
    print("metrics: " + ", ".join(f"{k} {v}" for k, v in sorted(status["metrics"].items())))
    if lat:
        print(
            f"decision latency: p50 {lat['p50']:.3f} ms, p99 {lat['p99']:.3f} ms, max {lat['max']:.3f} ms over {lat['n']} bars"
        )
    held = [p for p in status["positions"] if p["quantity"]]
    text = ", ".join(f"{p['symbol']} {p['quantity']:g}" for p in held) or "flat"
    print(f"positions: {text}")
    print(f"journal: {status['journal']}\ndecision log: {status['decision_log']}")
