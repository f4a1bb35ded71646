"""Messages about labels show an invisible character (BOM, zero-width space) escaped:
'missing AAA_\ufeffAtB' printed raw reads as 'missing AAA_AtB', which the file has."""

import pytest
from test_icio import make_table as icio_table
from test_icio import write as write_icio
from test_wiod_longrun import SECTORS, synthetic, write_rda

from gvcdecomp.errors import FileFormatError
from gvcdecomp.sources.icio import load_icio
from gvcdecomp.sources.wiod_longrun import load_wiod_longrun


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.mark.parametrize("hidden", ["\ufeff", "\u200b"])
def test_labelled_table_message_escapes_hidden_characters(tmp_path, hidden):
    _, df = synthetic()
    df["IndustryCode_isic3"] = df["IndustryCode_isic3"].replace(SECTORS[0], hidden + SECTORS[0])
    write_rda(tmp_path / "WIODlr_WIOT_1970.rda", df)
    with pytest.raises(FileFormatError) as e:
        load_wiod_longrun(1970, path=tmp_path)
    msg = str(e.value)
    assert hidden not in msg and ascii(hidden).strip("'") in msg, msg


def test_icio_grid_message_escapes_hidden_characters(tmp_path):
    text, _ = icio_table("icio2018")
    lines = text.splitlines()
    label = "AUS_01T03"
    head = lines[0].replace(f"{label},", f"{label}\u200b,")
    rows = [f"{label}\u200b," + ln[len(label) + 1:] if ln.startswith(f"{label},") else ln
            for ln in lines[1:]]  # fmt: skip
    f = write_icio(tmp_path, "icio2018", "\n".join([head, *rows]) + "\n")
    with pytest.raises(FileFormatError) as e:
        load_icio("icio2018", 2015, path=f)
    assert "\u200b" not in str(e.value) and "\\u200b" in str(e.value), str(e.value)
