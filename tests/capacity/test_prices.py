"""The prices file: the shipped example is valid and sourced, and a bad file is refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from callqa.capacity.prices import PricesError, load_prices
from tests.conftest import ROOT

EXAMPLE = ROOT / "deploy" / "prices.example.toml"


def test_example_prices_are_valid_and_each_names_its_source_and_day() -> None:
    prices = load_prices(EXAMPLE)
    names = {c.name for c in prices.cloud}
    for provider in ("阿里云", "腾讯云", "百度智能云", "AWS Transcribe"):
        assert any(provider in n for n in names), provider
    for label, entry in prices.entries():
        assert entry.source.startswith("https://"), label
        assert entry.read_on.year >= 2026, label
        # an estimate says so in its note; a read price is one copied from its page
        assert entry.verified or "估计值" in entry.note, label
    assert prices.cny(1.44, "USD") == pytest.approx(1.44 * prices.exchange.usd_cny)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("price_per_hour = 0.80", "price_per_hour = -1"),
            r"cloud\[0\]\.price_per_hour: Input should be greater than 0",
        ),
        (
            ('status = "read"\nnote = "250', 'status = "guessed"\nnote = "250'),
            r"cloud\[0\]\.status: Input should be 'read' or 'to verify'",
        ),
        (
            ('source = "https://help.aliyun.com/document_detail/207373.htm"', 'source = "somewhere"'),
            r"cloud\[0\]\.source: String should match pattern",
        ),
        (("cores = 32", "cores = 0"), r"server\.cores: Input should be greater than or equal to 1"),
        (("usd_cny = 7.1", "usd_cny = 7.1\nbonus = 1"), r"exchange\.bonus: Extra inputs are not permitted"),
    ],
)
def test_a_bad_entry_is_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert change[0] in text
    with pytest.raises(PricesError, match=message) as caught:
        load_prices(_write(tmp_path, text.replace(change[0], change[1], 1)))
    assert "\n" not in str(caught.value) and "prices.toml" in str(caught.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PricesError, match="not valid TOML"):
        load_prices(_write(tmp_path, "[server\nprice = 1"))
    with pytest.raises(PricesError, match="cannot read prices file"):
        load_prices(tmp_path / "missing.toml")
    with pytest.raises(PricesError, match=r"cloud: Field required"):
        load_prices(_write(tmp_path, EXAMPLE.read_text(encoding="utf-8").split("[[cloud]]")[0]))
