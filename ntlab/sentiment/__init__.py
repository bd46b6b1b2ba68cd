"""News and sentiment: news items and sources, scorers, symbol tagging, and the causal
per-symbol sentiment series.

>>> from ntlab.sentiment import read_news, score_news, sentiment_series   # doctest: +SKIP
>>> scored = score_news(read_news("data/news_example.jsonl"))               # doctest: +SKIP
>>> sent = sentiment_series(scored, load_sample("stocks"), min_count=2)     # doctest: +SKIP

Nothing heavy is imported here: alpaca-py, vaderSentiment and transformers load only
when a source or scorer is used.
"""

from ntlab.sentiment.alpaca import AlpacaNewsSource, AlpacaNewsStream
from ntlab.sentiment.files import read_csv, read_jsonl, read_news, write_jsonl
from ntlab.sentiment.items import NewsItem, dedupe, news_frame
from ntlab.sentiment.scorers import Scorer, Scores, TransformerScorer, VaderScorer, score_news
from ntlab.sentiment.series import SentimentSeries, sentiment_series
from ntlab.sentiment.tagging import SymbolTagger
from ntlab.sentiment.wire import alpaca_news_id, from_alpaca_news, to_alpaca_news

__all__ = [
    "AlpacaNewsSource",
    "AlpacaNewsStream",
    "NewsItem",
    "Scorer",
    "Scores",
    "SentimentSeries",
    "SymbolTagger",
    "TransformerScorer",
    "VaderScorer",
    "alpaca_news_id",
    "dedupe",
    "from_alpaca_news",
    "news_frame",
    "read_csv",
    "read_jsonl",
    "read_news",
    "score_news",
    "sentiment_series",
    "to_alpaca_news",
    "write_jsonl",
]
