"""Start-up (issue #16 §4): ``import gvcdecomp`` and ``gvcdecomp --help`` import none of
the heavy packages; every public name still resolves, on first use. Each check runs in
a fresh interpreter (this one has long imported everything). No time is asserted:
``benchmarks/startup.py`` measures it."""

import json
import os
import subprocess
import sys

import pytest

import gvcdecomp as gd

HEAVY = ["numba", "xarray", "matplotlib", "scipy", "pandas"]


def fresh(code: str, **env) -> str:
    """stdout of ``python -c code`` in a new interpreter."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def imported(code: str) -> list[str]:
    """The heavy packages loaded once ``code`` has run."""
    listed = f"[m for m in {HEAVY!r} if m in sys.modules]"
    out = fresh(f"{code}\nimport sys, json; print(json.dumps({listed}))")
    return json.loads(out.splitlines()[-1])


def test_import_loads_no_heavy_package():
    assert imported("import gvcdecomp") == []


def test_help_loads_no_heavy_package():
    code = "from gvcdecomp.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n  pass"
    assert imported(code) == []


def test_a_name_loads_what_it_needs():
    assert "xarray" in imported("import gvcdecomp as gd; gd.decompose")  # the check can fail


def test_every_public_name_resolves_and_is_listed():
    out = fresh(
        "import gvcdecomp as gd, json\n"
        "print(json.dumps({n: type(getattr(gd, n)).__name__ for n in gd.__all__}))\n"
        "print(json.dumps(sorted(set(gd.__all__) - set(dir(gd)))))"
    )
    kinds, unlisted = (json.loads(line) for line in out.splitlines()[-2:])
    assert set(kinds) == set(gd.__all__) and unlisted == []
    assert kinds["decompose"] == "function" and kinds["plots"] == "module"
    assert kinds["IOTable"] == "type" and kinds["METHODS"] == "dict"


def test_a_function_named_like_its_module_stays_the_function():
    # importing gvcdecomp.aggregate first binds the module on the package, unless refused
    out = fresh("import gvcdecomp as gd, gvcdecomp.aggregate as m\n"
                "from gvcdecomp.aggregate import aggregate\n"
                "print(gd.aggregate is aggregate, callable(m))")  # fmt: skip
    assert out.split() == ["True", "True"]


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'decompse'"):
        gd.decompse  # noqa: B018


def test_numba_cache_dir_is_set_before_numba_is_first_imported(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    code = "import gvcdecomp as gd; gd.decompose; import numba; print(numba.config.CACHE_DIR)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env={**env, "XDG_CACHE_HOME": str(tmp_path)})  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-1] == str(tmp_path / "gvcdecomp" / "numba")
