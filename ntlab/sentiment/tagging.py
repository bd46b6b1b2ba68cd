"""Symbol tagging: find which tickers of a universe a headline is about.

Rules, from safest to riskiest:

1. Cashtags (``$AAPL``) and exchange-prefixed tickers (``NASDAQ:AAPL``, ``(NYSE: IBM)``)
   always count, for any ticker of the universe, even one-letter ones.
2. Company names, case-sensitive (proper nouns): the name without its legal suffix
   ("Apple Inc." -> "Apple Inc", "Apple"), abbreviations spelled out ("Intl" ->
   "International"), and the first word alone when the rest of the name is a generic
   descriptor ("Agilent Technologies" -> "Agilent", "Ford Motor" -> "Ford") and the
   word is distinctive: four letters or more, unique to one company of the universe
   and not a common word, place or first name ("General", "Target", "Texas",
   "Morgan" never count alone). Other short names go in ``aliases``.
3. Bare upper-case tickers (``IBM``) when at least two letters long, not a common
   word or acronym ("A", "ALL", "IT", "KEY", "CEO", ...), and only in headlines that
   are not written in capitals throughout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ntlab.errors import ConfigError
from ntlab.sentiment.items import NewsItem

__all__ = ["SymbolTagger"]

_SUFFIXES = re.compile(
    r"(?:[,\s]+(?:inc|incorporated|corp|corporation|co|company|cos|companies|ltd|limited|plc|llc|lp|"
    r"holdings?|group|sa|ag|nv|class\s+[a-c]|[a-c])\.?)+$",
    re.IGNORECASE,
)
_ABBREVIATIONS = {"Intl": "International", "Bus.": "Business", "Mgmt": "Management"}
_EXCHANGES = r"(?:NYSE(?:\s*American|\s*Arca|\s*MKT)?|NASDAQ|Nasdaq|AMEX|BATS|OTC|TSX|LSE)"

#: Words that start many company names or are common English: never an alias alone.
COMMON_WORDS = frozenset(
    """american general united first national international public southern northern western
    eastern central target best dollar family time news state standard consolidated health home
    life bank capital energy data global pioneer progressive principal discovery express gap coach
    staples sprint ball block safe union power applied analog automatic advanced allied
    associated boston dominion genuine great hospitality marathon norfolk pacific people peoples
    price quest regions republic ross sealed southwest superior total universal waste whole williams
    micro ally focus next service services systems network networks market markets stock shares
    nyse nasdaq texas washington cincinnati illinois wisconsin northeast southwestern hudson
    charles robert philip walt simon lincoln franklin stanley morgan harris murphy jacobs baker
    avery marsh dover edison campbell laboratory computer diamond equity forest urban wells fifth
    iron host range linear noble precision pinnacle constellation discover frontier cardinal
    hartford fidelity spectra thermo intuitive apartment allegheny waters""".split()
)
#: Trailing words that leave the first word as the company's short name ("Ford Motor" -> "Ford").
GENERIC_WORDS = frozenset(
    """technologies technology systems motor motors laboratories labs software communications
    pharmaceuticals foods stores airlines financial resources entertainment semiconductor devices
    instruments networks industries petroleum healthcare bancorp electronics chemical chemicals
    energy brands products worldwide solutions services enterprises media""".split()
)
#: Upper-case words that are tickers too but mostly mean something else.
AMBIGUOUS_TICKERS = frozenset(
    """A I ALL AN AM ARE AS AT BE BIG BY CA CAN CASH CAT CEO CFO COO CTO DO DE ED EL EPS ETF EU
    FAST FDA FED FOR FUN GAS GDP GO GOOD HAS HE HOT IF IN IPO IS IT JOB KEY LIFE LOW LTD MA MAN ME
    MY NEW NO NOW OF OLD ON ONE OR OUT PAY PC PM Q1 Q2 Q3 Q4 REAL RUN SAVE SEC SEE SO SUN TAP TIE
    TO TV UK UP US USA WE WELL WIN YOU AI CPI IMF ECB ESG SPAC""".split()
)


def _aliases_of(name: str) -> list[str]:
    """Name forms of one company, longest first."""
    name = " ".join(name.split())
    forms = {name, name.rstrip(".")}
    core = _SUFFIXES.sub("", name).strip(" ,")
    if core:
        forms.add(core)
    spelled = " ".join(_ABBREVIATIONS.get(w, w) for w in (core or name).split())
    forms.add(spelled)
    forms |= {f[4:] for f in forms if f.startswith("The ")}
    # a one-word name that is a common word ("Target") only counts with its suffix
    keep = (
        f
        for f in forms
        if f and not (" " not in f and (f.lower() in COMMON_WORDS or f in AMBIGUOUS_TICKERS))
    )
    return sorted(keep, key=len, reverse=True)


class SymbolTagger:
    """Tag texts with the tickers of a universe they mention.

    Parameters
    ----------
    names : mapping of symbol to company name (str or None)
        The universe. A symbol with no name is matched by its ticker only.
    aliases : mapping of symbol to iterable of str, optional
        Extra names per symbol (e.g. ``{"GOOG": ["Alphabet"]}``), matched case-sensitively.
    ambiguous : iterable of str, optional
        Replaces :data:`AMBIGUOUS_TICKERS` (upper-case words never taken as bare tickers).

    Examples
    --------
    >>> tagger = SymbolTagger({"AAPL": "Apple Inc.", "A": "Agilent Technologies Inc"})
    >>> tagger.tag("Apple's iPhone sales beat estimates; $A slips")
    ('AAPL', 'A')
    """

    def __init__(
        self,
        names: Mapping[str, Any],
        *,
        aliases: Mapping[str, Iterable[str]] | None = None,
        ambiguous: Iterable[str] | None = None,
    ) -> None:
        if not names:
            raise ConfigError("SymbolTagger needs a universe: a mapping of symbol -> company name")
        self.symbols = tuple(str(s).upper() for s in names)
        universe = set(self.symbols)
        self.ambiguous = frozenset(
            a.upper() for a in (AMBIGUOUS_TICKERS if ambiguous is None else ambiguous)
        )
        alias_map: dict[str, str] = {}
        first_words: dict[str, set[str]] = {}
        for sym, name in names.items():
            if not isinstance(name, str) or not name.strip():
                continue
            for form in _aliases_of(name):
                alias_map.setdefault(form, str(sym).upper())
            words = _SUFFIXES.sub("", " ".join(name.split())).removeprefix("The ").split()
            if len(words) > 1 and all(w.lower().strip(".,") in GENERIC_WORDS for w in words[1:]):
                first_words.setdefault(words[0], set()).add(str(sym).upper())
            elif words:
                first_words.setdefault(words[0], set()).add("")  # makes the word non-unique
        for word, owners in first_words.items():
            if (
                len(owners) == 1
                and "" not in owners
                and len(word) >= 4
                and word.isalpha()
                and word.lower() not in COMMON_WORDS
            ):
                alias_map.setdefault(word, next(iter(owners)))
        for sym, extra in (aliases or {}).items():
            if sym.upper() not in universe:
                raise ConfigError(f"alias given for {sym!r}, which is not in the universe")
            for form in extra:
                alias_map[" ".join(form.split())] = sym.upper()
        self.aliases = dict(sorted(alias_map.items(), key=lambda kv: (-len(kv[0]), kv[0])))
        self._bare = frozenset(s for s in universe if len(s) >= 2 and s not in self.ambiguous)
        self._universe = frozenset(universe)
        body = "|".join(re.escape(a) for a in self.aliases) or r"(?!x)x"
        self._names = re.compile(rf"(?<![\w$&])(?:{body})(?![\w&])")
        self._cashtag = re.compile(r"\$([A-Za-z][A-Za-z0-9]{0,9}(?:\.[A-Za-z])?)(?!\w)")
        self._prefixed = re.compile(rf"\b{_EXCHANGES}\s*:\s*([A-Z][A-Z0-9.]{{0,9}})\b")
        self._upper = re.compile(r"(?<![\w$.])([A-Z][A-Z0-9]*(?:\.[A-Z])?)(?![\w])")

    @classmethod
    def from_meta(cls, meta: pd.DataFrame, **kwargs: Any) -> SymbolTagger:
        """From a per-symbol frame with a ``name`` column, e.g. ``load_sample("sp500_1y").meta``."""
        if "name" not in meta.columns:
            raise ConfigError(f"meta needs a 'name' column, has {list(meta.columns)}")
        return cls({str(s): n for s, n in meta["name"].items()}, **kwargs)

    @classmethod
    def from_symbols(cls, symbols: Iterable[str], **kwargs: Any) -> SymbolTagger:
        """Tickers only (no names): cashtags, exchange prefixes and bare tickers."""
        return cls(dict.fromkeys(symbols), **kwargs)

    def __repr__(self) -> str:
        return f"SymbolTagger({len(self.symbols)} symbols, {len(self.aliases)} names)"

    def tag(self, text: str) -> tuple[str, ...]:
        """Tickers mentioned in ``text``, in order of first mention."""
        found: dict[int, str] = {}
        for match in self._cashtag.finditer(text):
            sym = match.group(1).upper()
            if sym in self._universe:
                found.setdefault(match.start(), sym)
        for match in self._prefixed.finditer(text):
            if match.group(1) in self._universe:
                found.setdefault(match.start(1), match.group(1))
        for match in self._names.finditer(text):
            found.setdefault(match.start(), self.aliases[match.group(0)])
        letters = [c for c in text if c.isalpha()]
        shouting = letters and sum(c.isupper() for c in letters) > 0.6 * len(letters)
        if not shouting:
            for match in self._upper.finditer(text):
                if match.group(1) in self._bare:
                    found.setdefault(match.start(), match.group(1))
        return tuple(dict.fromkeys(sym for _, sym in sorted(found.items())))

    def tag_items(self, items: Iterable[NewsItem], *, overwrite: bool = False) -> list[NewsItem]:
        """Fill the symbols of items that have none (all items with ``overwrite=True``).

        Items are tagged from their headline and summary. Items that already carry
        symbols keep them unless ``overwrite``.
        """
        out = []
        for item in items:
            if item.symbols and not overwrite:
                out.append(item)
            else:
                out.append(item.with_symbols(self.tag(item.text)))
        return out
