"""A small finance overlay for VADER's lexicon.

Why: VADER (Hutto & Gilbert, 2014) was rated by people reading social media. In
market news several words carry a different or no valence there: "beats" is not in
the lexicon at all ("Apple beats estimates" scores 0.0), "beating" is -2.0 (violence),
"crude" is -2.7 ("crude oil" reads as an insult), "shares" is +1.2 ("Apple shares
plunge" reads as partly good news), "upgrade"/"downgrade"/"bankruptcy" are missing, and
"cuts" is always negative ("cuts costs" reads as bad news).
Loughran & McDonald (2011, J. Finance 66(1)) showed the same for general-purpose word
lists on 10-K filings. ``tests/unit/sentiment/test_scorers.py`` shows each defect on a
plain headline and the overlay's fix.

How: values are on VADER's own -4..+4 scale, set by analogy to VADER entries of the
same strength (anchors: good +1.9, improve +1.9, strong +2.3, weak -1.9, failed -2.3,
disappointing -2.2, bankrupt -2.6; "falling" -0.6 for a plain price move). Single words
overwrite the lexicon; a phrase is rewritten to one token before scoring (VADER looks
words up one at a time), so VADER's negation, booster and "but" rules still apply.
A valence of 0 removes the word from the lexicon, so VADER treats it as an ordinary
word (a zero-valued entry would still take booster increments: "very crude" > 0).
The overlay stays small on purpose: every entry names its reason.
"""

from __future__ import annotations

import re
from types import MappingProxyType

__all__ = ["FINANCE_WORDS", "FINANCE_PHRASES", "phrase_pattern"]

# (word, valence, reason)
_WORDS = (
    ("beat", 1.9, "earnings/estimates: as 'improve' (VADER: absent)"),
    ("beats", 1.9, "as 'beat' (VADER: absent)"),
    ("beating", 1.9, "'beating estimates' (VADER: -2.0, violence)"),
    ("tops", 1.9, "'tops estimates' (VADER: +2.3 kept close, as 'beats')"),
    ("exceeds", 1.9, "as 'beats' (VADER: absent)"),
    ("miss", -1.9, "mirror of 'beat' (VADER: -0.6, 'I miss you')"),
    ("misses", -1.9, "mirror of 'beats' (VADER: -0.9)"),
    ("missed", -1.9, "mirror of 'beat' (VADER: -1.2)"),
    ("upgrade", 1.9, "analyst rating raised (VADER: absent)"),
    ("upgrades", 1.9, "as 'upgrade'"),
    ("upgraded", 1.9, "as 'upgrade'"),
    ("downgrade", -1.9, "analyst rating cut, mirror of 'upgrade' (VADER: absent)"),
    ("downgrades", -1.9, "as 'downgrade'"),
    ("downgraded", -1.9, "as 'downgrade'"),
    ("outperform", 1.6, "analyst rating (VADER: absent)"),
    ("underperform", -1.6, "analyst rating (VADER: absent)"),
    ("bullish", 1.9, "market tone (VADER: absent)"),
    ("bearish", -1.9, "market tone (VADER: absent)"),
    ("bankruptcy", -2.6, "as VADER's 'bankrupt' -2.6 (VADER: absent)"),
    ("insolvency", -2.6, "as 'bankruptcy' (VADER: absent)"),
    ("surge", 1.5, "price/sales jump (VADER: absent)"),
    ("surges", 1.5, "as 'surge'"),
    ("soar", 1.8, "strong rise (VADER: absent)"),
    ("soars", 1.8, "as 'soar'"),
    ("jumps", 1.3, "rise (VADER: absent)"),
    ("rallies", 1.3, "rise (VADER: absent)"),
    ("plunge", -1.8, "strong fall, mirror of 'soars' (VADER: absent)"),
    ("plunges", -1.8, "as 'plunge'"),
    ("plummets", -1.8, "as 'plunges' (VADER: absent)"),
    ("tumbles", -1.5, "fall (VADER: absent)"),
    ("slump", -1.5, "fall (VADER: absent)"),
    ("slumps", -1.5, "as 'slump'"),
    ("sinks", -1.3, "fall (VADER: absent)"),
    ("layoffs", -1.6, "job cuts (VADER: absent)"),
    ("writedown", -1.6, "asset value cut (VADER: absent)"),
    ("shortfall", -1.6, "revenue/earnings gap (VADER: absent)"),
    ("recall", -1.4, "product recall (VADER: absent)"),
    ("probe", -1.2, "regulatory investigation (VADER: absent)"),
    ("fined", -1.5, "regulatory penalty; VADER has 'fine' +0.8 only"),
    ("sued", -1.5, "legal action against the company (VADER: absent; 'lawsuit' -0.9)"),
    ("warns", -1.5, "profit warning (VADER: -0.4)"),
    ("upbeat", 1.9, "as 'good' (VADER: absent)"),
    (
        "buyback",
        1.2,
        "share repurchase; announcements earn positive abnormal returns (VADER: absent)",
    ),
    ("crude", 0.0, "'crude oil' is a commodity, not an insult (VADER: -2.7)"),
    ("share", 0.0, "'market share', a stock's share: a noun, not 'to share' (VADER: +1.2)"),
    ("shares", 0.0, "'Apple shares fall': the stock, not sharing (VADER: +1.2)"),
    ("interest", 0.0, "'interest rates', not 'interested' (VADER: +2.0; Loughran & McDonald)"),
    ("credit", 0.0, "'credit markets', 'credit card' (VADER: +1.6)"),
    ("securities", 0.0, "'Securities and Exchange Commission' (VADER: +1.2)"),
    ("cancer", 0.0, "drug news names the disease, not the tone (VADER: -3.4)"),
    ("liability", 0.0, "accounting term (VADER: -0.8; Loughran & McDonald)"),
    ("liabilities", 0.0, "accounting term (VADER: -0.8; Loughran & McDonald)"),
)

# (phrase, valence, reason); matched case-insensitively on word boundaries
_PHRASES = (
    ("guidance cut", -2.2, "outlook lowered: as 'disappointing' (VADER: -1.1 from 'cut' alone)"),
    ("cuts guidance", -2.2, "as 'guidance cut'"),
    ("lowers guidance", -2.2, "as 'guidance cut' (VADER: -1.2 from 'lower')"),
    ("cuts forecast", -2.2, "as 'guidance cut'"),
    ("lowers forecast", -2.2, "as 'guidance cut'"),
    ("slashes forecast", -2.4, "a deeper 'guidance cut' (VADER: -0.8)"),
    ("raises guidance", 2.0, "outlook raised (VADER: absent)"),
    ("raises forecast", 2.0, "as 'raises guidance'"),
    ("guidance raised", 2.0, "as 'raises guidance'"),
    ("raises price target", 1.5, "analyst target raised (VADER: absent)"),
    ("price target raised", 1.5, "as 'raises price target'"),
    ("cuts price target", -1.5, "analyst target cut (VADER: -1.2 from 'cuts')"),
    ("lowers price target", -1.5, "as 'cuts price target'"),
    ("price target cut", -1.5, "as 'cuts price target'"),
    ("cuts costs", 1.0, "cost savings (VADER: -1.2 from 'cuts')"),
    ("cost cuts", 1.0, "as 'cuts costs'"),
    ("cuts jobs", -1.6, "as 'layoffs'"),
    ("raises dividend", 1.8, "payout raised (VADER: absent)"),
    ("cuts dividend", -2.2, "payout cut (VADER: -1.2 from 'cuts')"),
    ("dividend cut", -2.2, "as 'cuts dividend'"),
    ("suspends dividend", -2.2, "as 'cuts dividend'"),
    ("profit warning", -2.0, "as 'warns' in full (VADER: -1.4 from 'warning')"),
    ("chapter 11", -2.6, "US bankruptcy filing, as 'bankruptcy'"),
    ("going concern", -2.5, "auditor doubts survival"),
    ("crude oil", 0.0, "commodity name (VADER: -2.7 from 'crude')"),
)


def _token(phrase: str) -> str:
    """The single token a phrase is rewritten to (letters, digits and underscores only)."""
    return "fin_" + re.sub(r"\W+", "_", phrase.lower())


#: Word -> valence overwriting VADER's lexicon (read-only).
FINANCE_WORDS = MappingProxyType({w: v for w, v, _ in _WORDS})
#: Phrase -> (token it is rewritten to, valence) (read-only).
FINANCE_PHRASES = MappingProxyType({p: (_token(p), v) for p, v, _ in _PHRASES})
#: Term -> reason, for documentation and the notebook.
REASONS = MappingProxyType({t: r for t, _, r in (*_WORDS, *_PHRASES)})


def phrase_pattern(phrases: dict[str, tuple[str, float]] | MappingProxyType) -> re.Pattern[str]:
    """One case-insensitive regex matching any of ``phrases`` on word boundaries (longest first)."""
    alternatives = sorted(phrases, key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
