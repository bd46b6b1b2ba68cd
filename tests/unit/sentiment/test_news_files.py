import json
from pathlib import Path

import pandas as pd
import pytest

from ntlab.errors import DataError, ValidationError
from ntlab.sentiment import VaderScorer, dedupe, read_csv, read_jsonl, read_news, write_jsonl

EXAMPLE = Path(__file__).parents[3] / "data" / "news_example.jsonl"
GOOD = {
    "id": "1",
    "published": "2024-01-02T14:30:00Z",
    "symbols": ["AAPL"],
    "headline": "Apple beats",
}


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_jsonl_round_trip(tmp_path):
    items = read_jsonl(
        write_lines(tmp_path / "n.jsonl", [json.dumps(GOOD), "", json.dumps(GOOD | {"id": "2"})])
    )
    assert [it.id for it in items] == ["1", "2"]
    again = read_jsonl(write_jsonl(items, tmp_path / "m.jsonl"))
    assert again == items


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"id": "2", "published": ', r"n.jsonl line 3: not valid JSON"),
        ('["a list"]', r"n.jsonl line 3: expected a JSON object"),
        (json.dumps(GOOD | {"mood": "happy"}), r"n.jsonl line 3: unknown field\(s\) \['mood'\]"),
        (json.dumps(GOOD | {"published": "2024-01-02T14:30:00"}), r"n.jsonl line 3: .*naive"),
        (
            json.dumps({"id": "3", "published": "2024-01-02T14:30:00Z"}),
            r"n.jsonl line 3: field 'headline'",
        ),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path, bad, message):
    path = write_lines(tmp_path / "n.jsonl", [json.dumps(GOOD), "", bad])
    with pytest.raises(ValidationError, match=message):
        read_jsonl(path)


def test_csv_with_symbol_lists_and_line_numbers(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text(
        "id,published,symbols,headline,summary\n"
        '1,2024-01-02T14:30:00Z,"AAPL;MSFT",Apple and Microsoft rally,\n'
        "2,2024-01-02T15:00:00+00:00,IBM,IBM slips,Some text\n"
    )
    items = read_news(path)
    assert [it.symbols for it in items] == [("AAPL", "MSFT"), ("IBM",)]
    assert items[0].summary == "" and items[1].summary == "Some text"
    path.write_text("id,published,headline\n1,2024-01-02T14:30:00Z,ok\n2,2024-01-02 15:00,naive\n")
    with pytest.raises(ValidationError, match="n.csv line 3: .*naive"):
        read_csv(path)
    path.write_text("id,published,headline,tone\n1,2024-01-02T14:30:00Z,ok,up\n")
    with pytest.raises(ValidationError, match=r"n.csv line 2: unknown field\(s\) \['tone'\]"):
        read_csv(path)
    path.write_text("id,published,headline\n1,2024-01-02T14:30:00Z,ok,extra\n")
    with pytest.raises(ValidationError, match="n.csv line 2: more cells"):
        read_csv(path)


def test_read_news_rejects_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown format '.txt'"):
        read_news(tmp_path / "n.txt")
    with pytest.raises(DataError, match="does not exist"):
        read_news(tmp_path / "missing.jsonl")


def test_example_file_is_labelled_illustrative_and_fits_the_stocks_sample(stocks):
    items = read_news(EXAMPLE)
    assert 300 <= len(items) <= 600
    assert all(it.source.startswith("ntlab-illustrative") for it in items)
    assert all(it.author == "ntlab illustrative generator" for it in items)
    assert "not real" in (EXAMPLE.parent / "news_example.README.md").read_text()
    tagged = [it for it in items if it.symbols]
    assert {s for it in tagged for s in it.symbols} == set(stocks.symbols)
    for it in tagged:
        closes = stocks.close[it.symbols[0]].dropna()
        assert (
            closes.index[0] - pd.Timedelta("1D") <= pd.Timestamp(it.published) <= closes.index[-1]
        )
    assert 0 < sum(not it.symbols for it in items) < len(items) // 5  # some left for the tagger
    assert len(dedupe(items)) < len(items)  # some duplicates for dedupe
    scores = VaderScorer().score(it.headline for it in items).value
    for share in ((scores > 0.05).mean(), (scores < -0.05).mean(), (abs(scores) <= 0.05).mean()):
        assert share > 0.15  # a mix: 18 % positive, 33 % negative, 49 % neutral (README)
