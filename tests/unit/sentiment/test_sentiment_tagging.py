import pytest

from ntlab.errors import ConfigError
from ntlab.sentiment import NewsItem, SymbolTagger


@pytest.fixture(scope="module")
def sp500_tagger(sp500_1y):
    return SymbolTagger.from_meta(sp500_1y.meta)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Apple Inc. reports record quarter", ("AAPL",)),
        ("Apple's iPhone sales beat estimates", ("AAPL",)),
        ("Microsoft Corporation to acquire Skype; Google declines comment", ("MSFT", "GOOG")),
        ("International Business Machines beats; IBM shares up", ("IBM",)),
        ("$aapl and $BRK.B gain, $MSFT.", ("AAPL", "BRK.B", "MSFT")),
        ("Ford recalls trucks (NYSE:F)", ("F",)),
        ("Agilent (NYSE: A) raises outlook", ("A",)),
        ("General Electric and General Mills diverge", ("GE", "GIS")),
        ("Goldman Sachs fined over disclosures", ("GS",)),
        ("AT&T and KeyCorp report earnings", ("T", "KEY")),
    ],
)
def test_names_tickers_and_cashtags(sp500_tagger, text, expected):
    assert sp500_tagger.tag(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "IT spending rises as ALL markets rally",  # IT, ALL are tickers and words
        "A quiet day: CEO says ON track, KEY risks LOW",
        "Analyst raises price target on chipmakers",  # 'Target' (TGT) needs 'Target Corp'
        "American and United airlines add flights",  # first words of many companies
        "Texas heat wave lifts power demand",  # 'Texas Instruments' is not 'Texas'
        "APPLE CEO SAYS IT WILL BUY BACK SHARES",  # shouting: no bare tickers, names are case-sensitive
        "apple pie prices rise",
    ],
)
def test_common_words_are_not_tagged(sp500_tagger, text):
    assert sp500_tagger.tag(text) == ()


def test_target_counts_with_its_suffix_and_cashtags_always_count(sp500_tagger):
    assert sp500_tagger.tag("Target Corp. beats estimates") == ("TGT",)
    assert sp500_tagger.tag("$ALL and $IT move") == ("ALL",)  # IT (Gartner) is not in this universe


def test_aliases_and_ticker_only_universe():
    tagger = SymbolTagger({"GOOG": "Google Inc.", "XYZ": None}, aliases={"GOOG": ["Alphabet"]})
    assert tagger.tag("Alphabet and XYZ rise") == ("GOOG", "XYZ")
    assert SymbolTagger.from_symbols(["IBM", "A"]).tag("IBM and A rise; $A too") == ("IBM", "A")
    with pytest.raises(ConfigError, match="not in the universe"):
        SymbolTagger({"GOOG": "Google"}, aliases={"MSFT": ["Microsoft"]})
    with pytest.raises(ConfigError, match="needs a universe"):
        SymbolTagger({})


def test_tag_items_fills_only_untagged_items():
    tagger = SymbolTagger({"AAPL": "Apple Inc.", "MSFT": "Microsoft Corp."})
    items = [
        NewsItem(id="1", published="2024-01-02T14:30:00Z", headline="Apple rallies"),
        NewsItem(
            id="2", published="2024-01-02T14:30:00Z", headline="Apple rallies", symbols=("QQQ",)
        ),
        NewsItem(
            id="3", published="2024-01-02T14:30:00Z", headline="Chips", summary="Microsoft gains"
        ),
    ]
    tagged = tagger.tag_items(items)
    assert [it.symbols for it in tagged] == [("AAPL",), ("QQQ",), ("MSFT",)]
    assert tagger.tag_items(items, overwrite=True)[1].symbols == ("AAPL",)
