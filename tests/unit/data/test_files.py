import pandas as pd
import pytest

from ntlab.data.files import read_bars
from ntlab.errors import DataError, ValidationError


def _write(tmp_path, text, name="bars.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yahoo_style_single_symbol_csv_with_tz(tmp_path):
    path = _write(
        tmp_path,
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02,10,11,9,10.5,5.25,100\n"
        "2024-01-03,10.5,12,10,11.5,5.75,120\n",
    )
    md = read_bars(path, symbol="XYZ", tz="America/New_York")
    assert md.symbols == ["XYZ"]
    assert md.close["XYZ"].tolist() == [5.25, 5.75]  # adjusted close used
    assert md.index[0] == pd.Timestamp("2024-01-02T05:00:00Z")
    assert read_bars(path, symbol="XYZ", tz="UTC", adjusted=False).close["XYZ"].iloc[0] == 10.5


def test_column_mapping_and_parquet(tmp_path):
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-02T14:30Z", "2024-01-02T14:31Z", "2024-01-02T14:30Z", "2024-01-02T14:31Z"]),
            "code": ["A", "A", "B", "B"],
            "px": [1.0, 1.1, 2.0, 2.1],
        }
    )
    path = tmp_path / "bars.parquet"
    frame.to_parquet(path)
    md = read_bars(path, columns={"when": "timestamp", "code": "symbol", "px": "close"})
    assert md.shape == (2, 2) and md.close.loc[md.index[1], "B"] == 2.1


def test_wide_closes(tmp_path):
    path = _write(tmp_path, "Date,AAA,BBB\n2024-01-02T00:00:00Z,1,2\n2024-01-03T00:00:00Z,1.5,2.5\n")
    md = read_bars(path, layout="wide")
    assert md.symbols == ["AAA", "BBB"] and md.fields == ("close",)


@pytest.mark.parametrize(
    "text, kwargs, error, message",
    [
        ("Date,Close\n2024-01-02,1\n", {"symbol": "X"}, ValidationError, "no time zone"),
        ("Date,Close\n2024-01-02,1\n", {"tz": "UTC"}, ValidationError, "no symbol column"),
        ("Date,Close\n2024-01-02,abc\n", {"tz": "UTC", "symbol": "X"}, ValidationError, "'close' is not numeric"),
        ("Open,Close\n1,2\n", {"symbol": "X"}, ValidationError, "no time column"),
        ("Date,Close\n", {"tz": "UTC", "symbol": "X"}, ValidationError, "no rows"),
        ("Date,Close\n2024-01-03,1\n2024-01-02,2\n", {"tz": "UTC", "symbol": "X"}, ValidationError, "not sorted"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, text, kwargs, error, message):
    with pytest.raises(error, match=message):
        read_bars(_write(tmp_path, text), **kwargs)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_bars(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unsupported file type"):
        read_bars(_write(tmp_path, "x", name="bars.xlsx"))
