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
