import re

from gvcdecomp.cli import STUDY, main


def test_reproduce_prints_study_figures(wiod2013_dir, capsys):
    assert main(["reproduce", "--path", str(wiod2013_dir)]) == 0
    out = capsys.readouterr().out
    assert "WWZ 2013 terms 1-5" in out
    for country, value in STUDY.items():
        line = next(l for l in out.splitlines() if l.startswith(country))
        assert re.findall(r"\d+\.\d", line) == [f"{value:.1f}"] * 2  # reproduced, then the study's


def test_reproduce_several_years_and_countries(wiod2013_dir, capsys):
    assert main(["reproduce", "--path", str(wiod2013_dir), "--year", "2010-2011", "--countries", "KOR,TWN"]) == 0
    out = capsys.readouterr().out
    assert "2010" in out and "2011" in out and out.count("KOR") == 1


def test_unknown_country_and_bad_year(wiod2013_dir, capsys):
    assert main(["reproduce", "--path", str(wiod2013_dir), "--countries", "XXX"]) == 2
    assert "unknown country 'XXX'" in capsys.readouterr().err
    assert main(["reproduce", "--path", str(wiod2013_dir), "--year", "1990"]) == 2
    assert "1995–2011" in capsys.readouterr().err
    assert main(["reproduce", "--year", "soon"]) == 2


def test_demo_when_no_data(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["reproduce"]) == 0
    cap = capsys.readouterr()
    assert "not found" in cap.err and "made-up" in cap.out and "AAA" in cap.out


def test_check_reports_balance_and_warnings(wiod2013_dir, capsys):
    assert main(["check", str(wiod2013_dir / "wiot_2002.RData")]) == 0
    out = capsys.readouterr().out
    assert "41 countries x 35 sectors" in out and "condition number" in out
    assert "LVA_c24 have no output" in out  # the reclassified inputs are reported


def test_check_fails_on_bad_files(tmp_path, capsys):
    bad = tmp_path / "wiot_2002.RData"
    bad.write_bytes(b"garbage")
    assert main(["check", str(bad)]) == 1
    assert "FileFormatError" in capsys.readouterr().out
    other = tmp_path / "table.csv"
    other.write_text("a,b\n")
    assert main(["check", str(other)]) == 1
    assert "matches no known source" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "missing.nc")]) == 1
    assert "no such file" in capsys.readouterr().out
