import os
import re
import shutil
import subprocess
import sys

import pytest

import gvcdecomp as gd
from gvcdecomp import table
from gvcdecomp.cli import STUDY, main
from gvcdecomp.errors import FileFormatError, OptionError
from gvcdecomp.sources.paths import cache_dir


def test_reproduce_prints_study_figures(wiod2013_dir, capsys):
    assert main(["reproduce", "--path", str(wiod2013_dir)]) == 0
    out = capsys.readouterr().out
    assert "WWZ 2013 terms 1-5" in out
    for country, value in STUDY.items():
        line = next(l for l in out.splitlines() if l.startswith(country))
        assert re.findall(r"\d+\.\d", line) == [f"{value:.1f}"] * 2  # reproduced, then the study's


@pytest.mark.filterwarnings("default::gvcdecomp.table.BalanceWarning")  # pyproject ignores it
def test_reproduce_several_years_and_countries(wiod2013_dir, capsys, monkeypatch):
    monkeypatch.setattr(table, "_WARNED", set())  # as in a new process
    assert main(["reproduce", "--path", str(wiod2013_dir), "--year", "2010-2011", "--countries", "KOR,TWN"]) == 0
    out, err = capsys.readouterr()
    assert "2010" in out and "2011" in out and out.count("KOR") == 1
    # one summary line of the years' warnings, the truncation not warned
    (line,) = [w for w in err.splitlines() if "Warning" in w]
    assert line.startswith("gvcdecomp: BalanceWarning: wiod2013 panel, 2 years loaded (2010–2011): ")
    assert "with negative value added in 2 of 2 years" in line and "stored output" not in line
    assert "\r" not in err  # no progress bar off a terminal (tests/test_progress.py)


def one_error_line(capsys, *expected: str) -> str:
    """stderr holds exactly one line, naming the fault; no traceback."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err
    return err


@pytest.mark.parametrize("argv, expected", [
    (["--countries", "XXX"], "unknown country 'XXX'"),
    (["--sector", "c99"], "c99"),
    (["--year", "1990"], "1995–2011"),
    (["--year", "soon"], "--year takes YYYY"),
    (["--year", "2011-1995"], "runs backwards (write 1995-2011)"),
    (["--year", "2010,2011,2010"], "2010 given more than once"),
    (["--countries", "USA,USA"], "USA given more than once"),
    (["--countries", "USA,,JPN"], "empty code"),
])  # fmt: skip
def test_bad_arguments_give_one_line_and_non_zero_exit(wiod2013_dir, capsys, argv, expected):
    assert main(["reproduce", "--path", str(wiod2013_dir), *argv]) == 2
    one_error_line(capsys, expected)


def test_path_pointing_nowhere(tmp_path, capsys):
    assert main(["reproduce", "--path", str(tmp_path / "nowhere")]) == 2
    one_error_line(capsys, f"{tmp_path / 'nowhere'}: no such file or folder")
    assert capsys.readouterr().out == ""


def test_no_data_is_an_error_and_the_demo_needs_demo(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("GVCDECOMP_OFFLINE", "1")
    monkeypatch.delenv("GVCDECOMP_MIRROR", raising=False)  # the publisher's address, not a mirror's
    assert main(["reproduce"]) == 2
    one_error_line(capsys, "DataNotFoundError", "wiot_2011.RData", "GVCDECOMP_OFFLINE=1", "bquast/wiod")
    monkeypatch.setenv("GVCDECOMP_MIRROR", "http://127.0.0.1:9/")  # set but unused while offline
    assert main(["reproduce"]) == 2
    err = one_error_line(capsys, "drop GVCDECOMP_OFFLINE=1 to fetch it from GVCDECOMP_MIRROR")
    assert "and set GVCDECOMP_MIRROR" not in err
    assert main(["reproduce", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "made-up" in out and "AAA" in out


def test_installed_command_prints_no_traceback(tmp_path):
    env = {**os.environ, "GVCDECOMP_DATA_DIR": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path),
           "GVCDECOMP_OFFLINE": "1"}  # fmt: skip
    run = subprocess.run([sys.executable, "-m", "gvcdecomp.cli", "reproduce"], env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("gvcdecomp: DataNotFoundError")


def test_cache_info_and_clear(wiod2013_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GVCDECOMP_NO_CACHE", raising=False)
    gd.load_wiod2013(2011)  # from the shared data: one parsed table in the cache
    (cache_dir() / "wiod2013").mkdir(parents=True)
    shutil.copy(wiod2013_dir / "wiot_2010.RData", cache_dir() / "wiod2013")  # as if downloaded
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.startswith("wiod2013"))
    data_mb = (wiod2013_dir / "wiot_2010.RData").stat().st_size / 1e6
    parsed = [f for f in (cache_dir() / "parsed" / "wiod2013").iterdir() if f.is_file()]
    parsed_mb = sum(f.stat().st_size for f in parsed) / 1e6
    assert row == ["wiod2013", "1", f"{data_mb:.1f}", str(len(parsed)), f"{parsed_mb:.1f}"]
    assert str(cache_dir()) in out
    assert main(["cache", "clear"]) == 0  # parsed tables only
    assert "parsed tables of every source" in capsys.readouterr().out
    assert not any((cache_dir() / "parsed").rglob("*.nc"))
    assert (cache_dir() / "wiod2013" / "wiot_2010.RData").is_file()
    assert main(["cache", "clear", "wiod2013", "--data"]) == 0
    assert not (cache_dir() / "wiod2013" / "wiot_2010.RData").exists()
    assert main(["cache", "clear", "../etc", "--data"]) == 2
    one_error_line(capsys, "unknown source '../etc'")


def test_load_by_name_takes_one_name():
    with pytest.raises(OptionError, match="one name"):
        gd.load(["wiod2013"], 2011)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_folder_or_fifo_given_as_a_file(tmp_path, monkeypatch, capsys, kind):
    """Reported as what it is, never opened (a FIFO would block the reader), never downloaded over."""
    target = tmp_path / "wiod2013" / "wiot_2011.RData"
    target.parent.mkdir()
    target.mkdir() if kind == "folder" else os.mkfifo(target)
    what = "a folder" if kind == "folder" else "a FIFO (named pipe)"
    with pytest.raises(FileFormatError, match=re.escape(f"wiot_2011.RData: {what}")):
        gd.load_wiod2013(2011, path=target.parent)  # found by name in the folder
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GVCDECOMP_OFFLINE")
    with pytest.raises(FileFormatError, match=re.escape(f"wiot_2011.RData: {what}")):
        gd.load_wiod2013(2011)  # found in the data folder: not replaced by a download
    with pytest.raises(FileFormatError, match=re.escape(f"wiot_2011.RData: {what}, not a table file")):
        gd.open_table(target)
    if kind == "fifo":
        with pytest.raises(FileFormatError, match=re.escape(f"{what}, neither a data file nor a folder")):
            gd.load_wiod2013(2011, path=target)
    assert main(["check", str(target)]) == 1
    assert what in capsys.readouterr().err


def test_check_reports_balance_and_warnings(wiod2013_dir, capsys):
    assert main(["check", str(wiod2013_dir / "wiot_2002.RData")]) == 0
    out = capsys.readouterr().out
    assert "41 countries x 35 sectors" in out and "condition number" in out
    assert "no output" in out and "LVA_c24" in out  # the reclassified inputs are reported
    # the truncation is a note; the warnings are listed and counted, also on a second run
    # (the library warns once per file, the report always)
    notes = [line for line in out.splitlines() if line.startswith("  note: ")]
    assert any("truncated toward zero" in n for n in notes)
    listed = [line for line in out.splitlines() if line.startswith("  warning: ")]
    assert len(listed) == 2 and f"OK with {len(listed)} warning(s)" in out
    assert main(["check", str(wiod2013_dir / "wiot_2002.RData")]) == 0
    assert capsys.readouterr().out == out


def test_check_fails_on_bad_files(tmp_path, capsys):
    bad = tmp_path / "wiot_2002.RData"
    bad.write_bytes(b"garbage")
    other = tmp_path / "table.csv"
    other.write_text("a,b\n")
    for path, fault in [(bad, "FileFormatError"), (other, "matches no known source"),
                        (tmp_path / "missing.nc", "no such file")]:  # fmt: skip
        assert main(["check", str(path)]) == 1
        out, err = capsys.readouterr()
        # a failure is no result: nothing on stdout, one line on stderr
        assert out == "" and err.count("\n") == 1, (out, err)
        assert err.startswith(f"gvcdecomp: {path}: FAILED: ") and fault in err


def test_installed_check_separates_failures_from_results(tmp_path, wiod2013_dir):
    """Before, a failure went to stdout: `gvcdecomp check f > report.txt` hid it."""
    bad = tmp_path / "wiot_2002.RData"
    bad.write_bytes(b"garbage")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    run = [sys.executable, "-m", "gvcdecomp.cli", "check"]
    failed = subprocess.run([*run, str(bad)], env=env, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.startswith(f"gvcdecomp: {bad}: FAILED: FileFormatError: ")
    good = wiod2013_dir / "wiot_2002.RData"
    passed = subprocess.run([*run, str(good)], env=env, capture_output=True, text=True, timeout=300)
    assert passed.returncode == 0 and "Traceback" not in passed.stderr
    assert passed.stdout.startswith(f"{good}: ") and "condition number" in passed.stdout


def test_cache_clear_of_an_unknown_source_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["cache", "clear", "nosuch"]) == 2  # before: "0.0 MB freed", exit 0
    err = capsys.readouterr().err
    assert "unknown source 'nosuch'" in err and "wiod2013" in err
    assert main(["cache", "clear", "wiod2013"]) == 0
