"""The README's commands, the extras they name and CI agree with each other."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from test_first_use import readme_commands

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]


def names(requirements) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}


def test_two_commands_both_editable():
    first, second = readme_commands()
    # one install mode for both: the second cannot leave the first's files behind
    assert first.startswith("pip install -e . && gvcdecomp reproduce")
    assert second == 'pip install -e ".[test]" && python -m pytest -q'
    assert "GVCDECOMP_DATA_DIR" not in first  # data on first use, no variable needed


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    snippet = re.search(r"<<'PY'\n(.*?)\nPY", script, re.S).group(1)
    run = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT, capture_output=True, text=True)
    assert run.stdout.strip() == readme_commands()[1]
    assert 'eval "$test_command"' in script


def test_test_extra_holds_every_other_extra():
    own = [r for r in EXTRAS["test"] if r.startswith("gvcdecomp[")]
    included = set(own[0][len("gvcdecomp[") : -1].split(",")) if own else set()
    for extra, requirements in EXTRAS.items():
        if extra != "test":
            assert extra in included or names(requirements) <= names(EXTRAS["test"]), extra


def test_notebooks_extra_runs_the_notebooks():
    assert {"nbclient", "nbformat", "nbconvert", "ipykernel"} <= names(EXTRAS["notebooks"])
    imported = set()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            src = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
            imported |= set(re.findall(r"^\s*(?:import|from) ([a-z_]+)", src, re.M))
    installed = names(PROJECT["dependencies"]) | names(EXTRAS["notebooks"]) | {"gvcdecomp"}
    stdlib = set(sys.stdlib_module_names)
    assert imported - stdlib <= installed


def test_readme_says_what_each_task_needs():
    for extra in ("docs", "notebooks"):
        assert f'pip install -e ".[{extra}]"' in README and extra in EXTRAS
    for variable in ("GVCDECOMP_DATA_DIR", "GVCDECOMP_MIRROR", "GVCDECOMP_OFFLINE"):
        assert variable in README
    assert "PLACEHOLDER" not in README
    development = README[README.index("## Development") :]
    assert re.search(r'"\.\[test\]"` takes\s+about [\d.]+ CPU-minutes', development)


def test_checksums_are_package_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "downloads.csv" in data["gvcdecomp.sources"]
