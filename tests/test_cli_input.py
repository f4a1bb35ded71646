"""The command line given values a user could type: one line on stderr, exit 2, no traceback."""

import pytest

from gvcdecomp.cli import main


@pytest.mark.parametrize("year", ["0-99999999999999", "2011-99999", "1-2011", "20110", "95"])
def test_years_have_four_digits(capsys, year):
    """A huge range was materialised first: MemoryError with a traceback."""
    assert main(["reproduce", "--year", year]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"--year {year}: years have four digits (YYYY)" in err


def test_four_digit_years_outside_the_data_name_its_range(capsys):
    assert main(["reproduce", "--year", "1000-9999"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1995–2011" in err


def test_check_names_the_known_file_names_readably(tmp_path, capsys):
    (tmp_path / "table.txt").write_text("hello")
    assert main(["check", str(tmp_path / "table.txt")]) == 1
    err = capsys.readouterr().err
    assert "wiot_YYYY.RData" in err and "WIODlr_WIOT_YYYY.rda" in err and "\\" not in err


def test_check_of_a_national_table_points_to_load_niot(tmp_path, capsys):
    (tmp_path / "USA_NIOT_nov16.xlsx").write_bytes(b"PK")
    assert main(["check", str(tmp_path / "USA_NIOT_nov16.xlsx")]) == 1
    assert "a WIOD 2016 national table: read it with gd.load_niot" in capsys.readouterr().err


def test_unknown_codes_fail_before_any_output(capsys):
    from gvcdecomp.cli import main

    for args in (["--countries", "XXX"], ["--sector", "c99"]):
        assert main(["reproduce", *args]) == 2
        out = capsys.readouterr()
        assert out.out == "" and "unknown" in out.err and out.err.count("\n") == 1
