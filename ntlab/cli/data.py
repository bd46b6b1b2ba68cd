"""``ntlab data``: list, show, import and fetch market data."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="list, show, import and fetch market data", description=__doc__)
    dsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = dsub.add_parser("list", help="list bundled samples and stored datasets")
    ls.set_defaults(run=_list)

    show = dsub.add_parser("show", help="summarise a dataset (symbols, range, bars)")
    show.add_argument(
        "spec", help="sample:NAME, store:NAME, file:PATH or alpaca:SYMBOLS?start=..&end=.."
    )
    show.add_argument("--head", type=int, default=0, help="also print the first N closes")
    show.set_defaults(run=_show)

    imp = dsub.add_parser("import", help="import a CSV/Parquet file into the local store")
    imp.add_argument("path")
    imp.add_argument("--name", required=True, help="name to store it under (load it as store:NAME)")
    imp.add_argument(
        "--tz", help="time zone of naive timestamps in the file, e.g. UTC or America/New_York"
    )
    imp.add_argument("--symbol", help="symbol of a single-symbol file without a symbol column")
    imp.add_argument("--layout", choices=("long", "wide"), default="long")
    imp.add_argument(
        "--map",
        nargs="*",
        default=[],
        metavar="THEIRS=OURS",
        help="column mapping, e.g. Date=timestamp",
    )
    imp.set_defaults(run=_import)

    fetch = dsub.add_parser("fetch", help="download Alpaca bars into the local store (needs keys)")
    fetch.add_argument("symbols", help="comma-separated symbols")
    fetch.add_argument("--start", required=True)
    fetch.add_argument("--end", required=True)
    fetch.add_argument("--timeframe", default="1Day")
    fetch.add_argument("--asset", choices=("stock", "crypto"), default="stock")
    fetch.add_argument("--url", help="url_override for alpaca-py (e.g. the local exchange)")
    fetch.set_defaults(run=_fetch)


def _describe(data) -> str:
    return (
        f"{data.name}: {data.n_bars} bars x {data.n_symbols} symbols, "
        f"{data.index[0].isoformat()} .. {data.index[-1].isoformat()}, fields {', '.join(data.fields)}"
    )


def _list(args: argparse.Namespace) -> int:
    from ntlab.data import list_samples
    from ntlab.data.store import LocalStore

    print("Bundled samples (load as sample:NAME):")
    for name, row in list_samples().iterrows():
        print(f"  {name:<10} {row['description']}  [{row['licence']}]")
    stored = LocalStore().datasets()
    print(f"Stored datasets in {LocalStore().root} (load as store:NAME):")
    print("\n".join(f"  {n}" for n in stored) if stored else "  (none)")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ntlab.data import load

    data = load(args.spec)
    print(_describe(data))
    print("symbols:", ", ".join(data.symbols[:20]) + (" ..." if data.n_symbols > 20 else ""))
    if args.head:
        print(data.close.head(args.head).to_string())
    return 0


def _import(args: argparse.Namespace) -> int:
    from ntlab.data.files import read_bars
    from ntlab.data.store import LocalStore
    from ntlab.errors import ConfigError

    mapping = {}
    for item in args.map:
        theirs, sep, ours = item.partition("=")
        if not sep:
            raise ConfigError(f"--map {item!r} must look like THEIRS=OURS")
        mapping[theirs] = ours
    data = read_bars(
        args.path,
        columns=mapping,
        symbol=args.symbol,
        tz=args.tz,
        layout=args.layout,
        name=f"store:{args.name}",
    )
    path = LocalStore().save_dataset(args.name, data)
    print(f"imported {_describe(data)}")
    print(f"stored at {path}; load it as store:{args.name}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from ntlab.data import load

    spec = f"alpaca:{args.symbols}?start={args.start}&end={args.end}&timeframe={args.timeframe}&asset={args.asset}"
    data = load(spec, url_override=args.url)
    print(f"fetched {_describe(data)} (kept in the local store)")
    return 0
