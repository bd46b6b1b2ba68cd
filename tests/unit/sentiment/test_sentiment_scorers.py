import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ntlab.errors import ConfigError, OptionalDependencyError
from ntlab.sentiment import NewsItem, TransformerScorer, VaderScorer, read_news, score_news
from ntlab.sentiment._lexicon import FINANCE_PHRASES, FINANCE_WORDS, REASONS

EXAMPLE = Path(__file__).parents[3] / "data" / "news_example.jsonl"
STOCK = SentimentIntensityAnalyzer()
FAST = VaderScorer(finance=False)._analyzer  # the ASCII fast path, no overlay

POSITIVE = [
    "Apple beats estimates and raises guidance",
    "Analyst upgrades Microsoft to buy",
    "IBM shares soar after record profit",
    "Google wins huge contract, revenue surges",
]
NEGATIVE = [
    "Microsoft misses estimates as sales slump",
    "Analyst downgrades IBM to sell",
    "Lehman Brothers files for bankruptcy",
    "Apple shares plunge after profit warning",
]
NEUTRAL = [
    "IBM to hold annual shareholder meeting on Tuesday",
    "Microsoft schedules earnings call",
    "Google files quarterly report",
]


def test_scores_are_in_range_with_a_confidence():
    scores = VaderScorer().score(
        POSITIVE + NEGATIVE + NEUTRAL + ["", "!!!", "good good GOOD!!! :)"]
    )
    assert scores.value.shape == scores.confidence.shape == (14,)
    assert np.all((scores.value >= -1) & (scores.value <= 1))
    assert np.all((scores.confidence >= 0) & (scores.confidence <= 1))


def test_sign_on_clear_headlines():
    scorer = VaderScorer()
    assert np.all(scorer.score(POSITIVE).value > 0.3)
    assert np.all(scorer.score(NEGATIVE).value < -0.3)
    neutral = scorer.score(NEUTRAL)
    assert np.all(neutral.value == 0.0) and np.all(neutral.confidence == 1.0)  # a confident neutral


# (headline, what stock VADER gets wrong, expected sign with the overlay)
OVERLAY_CASES = [
    ("Apple beats estimates", "neutral", +1),
    ("Apple beating estimates again", "wrong", +1),
    ("Microsoft misses estimates", "weak", -1),
    ("Analyst downgrades IBM", "neutral", -1),
    ("Google upgraded at Goldman", "neutral", +1),
    ("Lehman files for bankruptcy", "neutral", -1),
    ("Intel issues guidance cut", "weak", -1),
    ("IBM cuts costs", "wrong", +1),
    ("Apple shares plunge", "wrong", -1),
    ("FDA approves cancer drug", "wrong", +1),
]


@pytest.mark.parametrize("headline, defect, sign", OVERLAY_CASES)
def test_finance_overlay_fixes_stock_vader(headline, defect, sign):
    stock = STOCK.polarity_scores(headline)["compound"]
    if defect == "neutral":
        assert stock == 0.0
    elif defect == "wrong":
        assert np.sign(stock) == -sign
    else:
        assert 0 < sign * stock < 0.3
    ours = VaderScorer().score_one(headline)[0]
    assert sign * ours >= 0.25
    assert VaderScorer(finance=False).score_one(headline)[0] == stock


def test_crude_oil_is_neutral_with_the_overlay():
    assert STOCK.polarity_scores("Crude oil prices steady")["compound"] < -0.5
    assert VaderScorer().score_one("Crude oil prices steady")[0] == 0.0


def test_every_overlay_entry_has_a_reason_and_a_vader_scale_valence():
    assert set(REASONS) == set(FINANCE_WORDS) | set(FINANCE_PHRASES)
    valences = list(FINANCE_WORDS.values()) + [v for _, v in FINANCE_PHRASES.values()]
    assert all(-4 <= v <= 4 for v in valences)
    scorer = VaderScorer()
    assert (
        scorer.rewrite("IBM  CUTS\nGuidance; price target raised")
        == "IBM  fin_cuts_guidance; fin_price_target_raised"
    )


def test_stock_vader_path_is_identical_to_vader_on_the_example_headlines():
    plain = VaderScorer(finance=False)
    headlines = (
        [it.headline for it in read_news(EXAMPLE)]
        + POSITIVE
        + NEGATIVE
        + ["kind of good", "not bad at all"]
    )
    expected = np.array([STOCK.polarity_scores(h)["compound"] for h in headlines])
    np.testing.assert_array_equal(plain.score(headlines).value, expected)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("abc XYZ!?.,:)('-") + ["good", " bad ", "not ", "very ", " but ", "😀", "kind of"]
        ),
        max_size=30,
    ).map("".join)
)
def test_fast_path_matches_stock_vader_on_any_text(text):
    assert FAST.polarity_scores(text) == STOCK.polarity_scores(text)


def test_duplicates_are_scored_consistently_and_inputs_checked():
    scores = VaderScorer().score(["Apple beats", "IBM misses", "Apple beats"])
    assert scores.value[0] == scores.value[2] != scores.value[1]
    with pytest.raises(ConfigError, match="text 1 is int"):
        VaderScorer().score(["ok", 3])


def test_extra_words():
    assert VaderScorer(extra={"moonshot": 3.0}).score_one("Apple moonshot")[0] > 0.5
    with pytest.raises(ConfigError, match="one token with a valence"):
        VaderScorer(extra={"two words": 1.0})
    with pytest.raises(ConfigError, match="one token with a valence"):
        VaderScorer(extra={"word": 9.0})


def test_score_news_frame():
    items = [
        NewsItem(
            id="1",
            published="2024-01-02T14:30:00Z",
            headline="Apple beats estimates",
            summary="Shares soar",
        ),
        NewsItem(id="2", published="2024-01-02T15:30:00Z", headline="IBM misses estimates"),
    ]
    frame = score_news(items)
    assert list(frame["id"]) == ["1", "2"] and frame["score"].iloc[0] > 0 > frame["score"].iloc[1]
    both = score_news(items, text="headline+summary")
    assert both["score"].iloc[0] > frame["score"].iloc[0]  # "Shares soar" adds to it
    with pytest.raises(ConfigError, match="text must be"):
        score_news(items, text="body")


def test_transformer_scorer_needs_a_local_folder_and_transformers(tmp_path):
    with pytest.raises(ConfigError, match="is not a folder.*never downloads"):
        TransformerScorer("ProsusAI/finbert")
    scorer = TransformerScorer(tmp_path)
    if "transformers" not in sys.modules:
        with pytest.raises(OptionalDependencyError, match="pip install 'transformers'"):
            scorer.score(["Apple beats"])


class _FakeTokenizer:
    def __call__(self, texts, **kwargs):
        import torch

        assert kwargs["truncation"] and kwargs["return_tensors"] == "pt"
        return _Batch(
            {"x": torch.tensor([[float("beats" in t), float("misses" in t)] for t in texts])}
        )


class _Batch(dict):
    def to(self, device):
        return self


def _fake_transformers(id2label):
    import torch

    class Model(torch.nn.Module):
        config = types.SimpleNamespace(id2label=id2label)

        def forward(self, x):
            pos, neg = x[:, 0], x[:, 1]
            logits = {"positive": 2 * pos, "negative": 2 * neg, "neutral": 1 - pos - neg}
            cols = [logits[id2label[k].lower()] for k in sorted(id2label)]
            return types.SimpleNamespace(logits=torch.stack(cols, dim=1))

    def load(path, **kwargs):
        assert kwargs == {"local_files_only": True}  # never downloads
        return _FakeTokenizer() if load.kind == "tok" else Model()

    tok = types.SimpleNamespace(
        from_pretrained=lambda p, **k: (setattr(load, "kind", "tok"), load(p, **k))[1]
    )
    mod = types.SimpleNamespace(
        from_pretrained=lambda p, **k: (setattr(load, "kind", "model"), load(p, **k))[1]
    )
    return types.SimpleNamespace(AutoTokenizer=tok, AutoModelForSequenceClassification=mod)


@pytest.mark.parametrize(
    "id2label",
    [{0: "positive", 1: "negative", 2: "neutral"}, {0: "Neutral", 1: "Positive", 2: "Negative"}],
)
def test_transformer_scorer_maps_labels_and_computes_p_pos_minus_p_neg(
    tmp_path, monkeypatch, id2label
):
    pytest.importorskip("torch")
    monkeypatch.setitem(sys.modules, "transformers", _fake_transformers(id2label))
    scores = TransformerScorer(tmp_path, batch_size=2).score(
        ["Apple beats", "IBM misses", "IBM meets", "Apple beats"]
    )
    e, n = np.exp(2.0), np.exp(0.0)
    p_top = e / (e + 2 * n)  # winning class of a "beats"/"misses" text; logits (2, 0, 0)
    p_neu = np.exp(1.0) / (np.exp(1.0) + 2)  # "meets": logits (0, 0, 1)
    np.testing.assert_allclose(
        scores.value, [p_top - n / (e + 2 * n), -(p_top - n / (e + 2 * n)), 0.0, scores.value[0]]
    )
    np.testing.assert_allclose(scores.confidence, [p_top, p_top, p_neu, p_top])


def test_transformer_scorer_rejects_a_model_without_sentiment_labels(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setitem(
        sys.modules, "transformers", _fake_transformers({0: "LABEL_0", 1: "LABEL_1"})
    )
    with pytest.raises(ConfigError, match="lack \\['negative', 'neutral', 'positive'\\]"):
        TransformerScorer(tmp_path).load()
