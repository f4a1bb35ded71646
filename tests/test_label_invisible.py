"""Codes that differ only by invisible characters are refused, not made two countries."""

import re
import unicodedata

import pytest
from conftest import random_table

import gvcdecomp as gd


def build(countries=None, sectors=None):
    t = random_table(3, 2)
    return gd.IOTable(t.Z, t.Y, countries or list(t.countries), sectors or list(t.sectors),
                      t.fd_categories)  # fmt: skip


@pytest.mark.parametrize("bad", [
    "DEU\u200b",   # zero-width space
    "\ufeffDEU",   # byte-order mark, as a CSV read without utf-8-sig leaves it
    "DE\u2060U",   # word joiner
    "DEU\u00ad",   # soft hyphen
    "DEU\u200e",   # left-to-right mark
])  # fmt: skip
def test_format_characters_are_refused_naming_code_and_position(bad):
    assert any(unicodedata.category(ch) == "Cf" for ch in bad)
    # before: 'DEU' and 'DEU\u200b' were two countries that print the same
    with pytest.raises(gd.LabelError) as e:
        build(countries=["DEU", bad, "FRA"])
    msg = str(e.value)
    assert msg.startswith("countries has a code with invisible format characters")
    assert "at position 1" in msg and repr(bad) in msg
    hidden = next(ch for ch in bad if unicodedata.category(ch) == "Cf")
    assert f"U+{ord(hidden):04X}" in msg


@pytest.mark.parametrize("bad", ["c14 ", " c14", "c14\u00a0", "\u3000c14"])
def test_surrounding_blanks_are_refused_even_without_a_twin(bad):
    expected = f"sectors has a code with surrounding blanks at position 0: {bad!r}"
    with pytest.raises(gd.LabelError, match=re.escape(expected)):
        build(sectors=[bad, "c15"])


@pytest.mark.parametrize("pair", [("\u00c5", "A\u030a"), ("\u00e9U", "e\u0301U"), ("\u212b", "\u00c5")])
def test_codes_equal_after_nfc_are_duplicates(pair):
    a, b = pair
    assert a != b and unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)
    with pytest.raises(gd.LabelError, match="countries has codes that differ only by .*Unicode form"):
        build(countries=[a, b, "FRA"])


def test_visible_codes_and_inner_blanks_are_kept():
    t = build(countries=["DEU", "Rest of World", "C\u00f4te d'Ivoire"])
    assert t.countries == ("DEU", "Rest of World", "C\u00f4te d'Ivoire")
