"""Sentiment scorers: text -> score in [-1, 1] with a confidence in [0, 1].

- :class:`VaderScorer` (default): offline, no download. VADER's lexicon with the
  finance overlay of :mod:`ntlab.sentiment._lexicon`.
- :class:`TransformerScorer`: a sequence-classification model (e.g. FinBERT) loaded
  only from a local folder the user gives; ``transformers`` is imported lazily and
  nothing is ever downloaded.

Both report the score on the same scale: ``score = P(positive) - P(negative)`` where
the three class shares are VADER's ``pos``/``neu``/``neg`` proportions or the model's
softmax probabilities (for VADER the score is its ``compound``, which has the same
sign and range), and ``confidence`` = the largest of the three shares.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError
from ntlab.sentiment._lexicon import FINANCE_PHRASES, FINANCE_WORDS, phrase_pattern
from ntlab.sentiment.items import NewsItem, news_frame

__all__ = ["Scores", "Scorer", "VaderScorer", "TransformerScorer", "score_news"]


@dataclass(frozen=True)
class Scores:
    """Scores of a batch of texts.

    Attributes
    ----------
    value : ndarray of shape (n_texts,)
        Sentiment in [-1, 1]; negative is bad news.
    confidence : ndarray of shape (n_texts,)
        In [0, 1]: the share of the winning class (negative, neutral or positive).
    """

    value: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return len(self.value)


class Scorer(ABC):
    """Interface: ``score(texts) -> Scores``. Subclasses set ``name``."""

    name: str = "scorer"

    @abstractmethod
    def _score_unique(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(value, confidence) arrays for distinct texts."""

    def score(self, texts: Iterable[str]) -> Scores:
        """Score texts; each distinct text is scored once.

        Parameters
        ----------
        texts : iterable of str

        Returns
        -------
        Scores
            Arrays of shape (n_texts,).
        """
        texts = list(texts)
        for pos, text in enumerate(texts):
            if not isinstance(text, str):
                raise ConfigError(f"{self.name}: text {pos} is {type(text).__name__}, not str")
        unique = list(dict.fromkeys(texts))
        value, confidence = self._score_unique(unique)
        if len(unique) < len(texts):
            where = {text: k for k, text in enumerate(unique)}
            take = np.fromiter((where[t] for t in texts), dtype=np.int64, count=len(texts))
            value, confidence = value[take], confidence[take]
        return Scores(np.clip(value, -1.0, 1.0), np.clip(confidence, 0.0, 1.0))

    def score_one(self, text: str) -> tuple[float, float]:
        """(score, confidence) of one text."""
        scores = self.score([text])
        return float(scores.value[0]), float(scores.confidence[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


@cache
def _fast_vader_class() -> type:
    vs = attempt_import("vaderSentiment.vaderSentiment", purpose="the offline sentiment scorer")

    class _Vader(vs.SentimentIntensityAnalyzer):
        """VADER with a fast path for ASCII text.

        VADER's ``polarity_scores`` first walks the text character by character to
        replace emojis; ASCII text holds no emoji, so that walk reduces to
        ``text.strip()``. The rest is VADER's own code path (same calls, same order);
        a test checks the results are identical to stock VADER.
        """

        def polarity_scores(self, text: str) -> dict[str, float]:
            if not text.isascii():
                return super().polarity_scores(text)
            text = text.strip()
            senti = vs.SentiText(text)
            words = senti.words_and_emoticons
            sentiments: list[float] = []
            last = len(words) - 1
            for i, item in enumerate(words):
                low = item.lower()
                if low in vs.BOOSTER_DICT or (
                    i < last and low == "kind" and words[i + 1].lower() == "of"
                ):
                    sentiments.append(0)
                    continue
                sentiments = self.sentiment_valence(0, senti, item, i, sentiments)
            sentiments = self._but_check(words, sentiments)
            return self.score_valence(sentiments, text)

    return _Vader


class VaderScorer(Scorer):
    """VADER with a finance overlay; offline, nothing to download.

    Parameters
    ----------
    finance : bool
        Apply the finance overlay (words and phrases in
        :mod:`ntlab.sentiment._lexicon`). ``False`` gives stock VADER.
    extra : dict of str to float, optional
        More words (single tokens, lower case) with valences on VADER's -4..+4 scale.

    Notes
    -----
    ``score`` is VADER's ``compound``; ``confidence`` is the largest of VADER's
    ``pos``/``neu``/``neg`` proportions (they sum to 1), so a plainly neutral headline
    is a confident 0.
    """

    def __init__(self, *, finance: bool = True, extra: dict[str, float] | None = None) -> None:
        self.finance = finance
        self.extra = dict(extra or {})
        self.name = "vader-finance" if finance else "vader"
        analyzer = _fast_vader_class()()
        if finance:
            overlay = dict(FINANCE_WORDS) | dict(FINANCE_PHRASES.values())
            for word, valence in overlay.items():
                if valence == 0.0:  # neutral in finance: an ordinary word, as if not in the lexicon
                    analyzer.lexicon.pop(word, None)
                else:
                    analyzer.lexicon[word] = valence
        for word, valence in self.extra.items():
            if " " in word.strip() or not -4.0 <= float(valence) <= 4.0:
                raise ConfigError(
                    f"extra word {word!r}: one token with a valence in [-4, 4], got {valence!r}"
                )
            analyzer.lexicon[word.strip().lower()] = float(valence)
        self._analyzer = analyzer
        self._phrases = phrase_pattern(FINANCE_PHRASES) if finance else None
        self._token = {" ".join(p.split()): tok for p, (tok, _) in FINANCE_PHRASES.items()}
        # a phrase can only match where one of its first words occurs: a cheap substring test first
        self._cues = tuple(sorted({p.split()[0] for p in FINANCE_PHRASES}))

    def rewrite(self, text: str) -> str:
        """The text as VADER sees it: finance phrases joined into single tokens."""
        if self._phrases is None:
            return text
        low = text.lower()
        if not any(cue in low for cue in self._cues):
            return text
        return self._phrases.sub(lambda m: self._token[" ".join(m.group(0).lower().split())], text)

    def _score_unique(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        value = np.empty(len(texts))
        confidence = np.empty(len(texts))
        polarity = self._analyzer.polarity_scores
        rewrite = self.rewrite
        for k, text in enumerate(texts):
            s = polarity(rewrite(text))
            value[k] = s["compound"]
            confidence[k] = max(s["pos"], s["neu"], s["neg"])
        return value, confidence


class TransformerScorer(Scorer):
    """A local sequence-classification model (e.g. FinBERT) through ``transformers``.

    Parameters
    ----------
    model_path : str or Path
        A local folder holding the model and tokenizer (``config.json``, weights,
        vocabulary). Nothing is ever downloaded: loading uses ``local_files_only=True``.
    batch_size, max_length : int
        Texts per forward pass; tokens per text (longer texts are truncated).
    device : str
        Torch device, e.g. ``"cpu"`` or ``"cuda"``.

    Notes
    -----
    The model's ``config.id2label`` must name a positive, a negative and a neutral
    class (any case). ``score = P(positive) - P(negative)``, ``confidence`` = the top
    class probability. The model loads on first use (or :meth:`load`).
    """

    name = "transformer"

    def __init__(
        self,
        model_path: str | Path,
        *,
        batch_size: int = 32,
        max_length: int = 128,
        device: str = "cpu",
    ) -> None:
        self.model_path = Path(model_path).expanduser()
        if not self.model_path.is_dir():
            raise ConfigError(
                f"TransformerScorer: {str(self.model_path)!r} is not a folder. Give the local folder of a "
                "sequence-classification model (e.g. FinBERT saved with save_pretrained); ntlab never downloads."
            )
        if batch_size < 1 or max_length < 8:
            raise ConfigError(
                f"batch_size must be >= 1 and max_length >= 8, got {batch_size}, {max_length}"
            )
        self.batch_size, self.max_length, self.device = batch_size, max_length, device
        self._model: Any = None
        self._tokenizer: Any = None
        self._columns: tuple[int, int, int] | None = None  # (negative, neutral, positive)

    def load(self) -> TransformerScorer:
        """Import transformers and load the model from ``model_path`` (once)."""
        if self._model is not None:
            return self
        transformers = attempt_import("transformers", purpose="TransformerScorer (e.g. FinBERT)")
        path = str(self.model_path)
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True
        )
        labels = {str(v).lower(): int(k) for k, v in model.config.id2label.items()}
        missing = [name for name in ("negative", "neutral", "positive") if name not in labels]
        if missing:
            raise ConfigError(
                f"TransformerScorer: the model's labels {sorted(labels)} lack {missing}; "
                "it needs negative, neutral and positive classes"
            )
        self._columns = (labels["negative"], labels["neutral"], labels["positive"])
        self._model = model.to(self.device).eval()
        return self

    def _score_unique(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        self.load()
        torch = attempt_import("torch", purpose="TransformerScorer")
        assert self._columns is not None
        probs = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self._tokenizer(
                    texts[start : start + self.batch_size],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                logits = self._model(**batch).logits
                probs.append(
                    torch.softmax(logits.float(), dim=-1).cpu().numpy()[:, list(self._columns)]
                )
        p = np.concatenate(probs) if probs else np.empty((0, 3))
        return p[:, 2] - p[:, 0], p.max(axis=1)


def score_news(
    items: Sequence[NewsItem], scorer: Scorer | None = None, *, text: str = "headline"
) -> pd.DataFrame:
    """Score news items.

    Parameters
    ----------
    items : sequence of NewsItem
    scorer : Scorer, optional
        Default: :class:`VaderScorer`.
    text : {"headline", "headline+summary"}
        What to score.

    Returns
    -------
    DataFrame
        One row per item: the columns of :func:`~ntlab.sentiment.news_frame` plus
        ``score`` (in [-1, 1]) and ``confidence`` (in [0, 1]).
    """
    if text not in ("headline", "headline+summary"):
        raise ConfigError(f"text must be 'headline' or 'headline+summary', got {text!r}")
    scorer = scorer or VaderScorer()
    texts = [it.headline if text == "headline" else it.text for it in items]
    scores = scorer.score(texts)
    frame = news_frame(items)
    frame["score"] = scores.value
    frame["confidence"] = scores.confidence
    return frame
