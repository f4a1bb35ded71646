"""The README's two commands, in order, in one fresh virtual environment (slow: a full install).

What a new user does: a copy of the project (the files git would commit), a
new venv, then the README's first command (install, ``gvcdecomp reproduce``)
and the install step of its second, exactly as written. The data comes from a
local HTTP server of the shared data (``GVCDECOMP_MIRROR``), with no
``GVCDECOMP_DATA_DIR`` and an empty per-user cache, so ``reproduce`` takes the
download path a user with internet takes. The pytest part of the second
command runs a small selection with ``GVCDECOMP_FIRST_USE_INNER=1``, which
skips this file so that it cannot recurse. Afterwards the package must import
from another folder and ``gvcdecomp --help`` must work.

pip needs the package registry; it uses the user's download cache and skips
compiling the installed packages to bytecode (``PIP_NO_COMPILE``), which
changes nothing but the install time.
"""

import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import require_data
from httpserve import Server

from gvcdecomp.cli import STUDY

ROOT = Path(__file__).resolve().parents[1]
GUARD = "GVCDECOMP_FIRST_USE_INNER"
#: Seconds any one step may take before the test fails instead of hanging.
STEP_TIMEOUT = 1200

pytestmark = pytest.mark.skipif(
    os.environ.get(GUARD) == "1", reason="inside the first-use test's own pytest run"
)


def readme_commands() -> list[str]:
    """The commands of the README's first code block, comments removed."""
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line.split(" #")[0].strip() for line in block.splitlines() if line.strip()]


def copy_project(dest: Path) -> None:
    """The files a clone would hold: tracked and new files, without ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if listed.returncode != 0:  # not a git work tree: copy it without build products
        skip = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build", "site", ".venv")
        shutil.copytree(ROOT, dest, ignore=skip)
        return
    for name in filter(None, listed.stdout.split("\0")):
        src = ROOT / name
        if src.is_file():  # a listed file deleted in the work tree is not copied
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def pip_settings() -> dict:
    """pip's download cache as the user has it (conftest changed XDG_CACHE_HOME), and no
    bytecode compilation of the ~200 installed packages (a third of the install time)."""
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    run = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], env=env,
                         capture_output=True, text=True)  # fmt: skip
    cache = run.stdout.strip() if run.returncode == 0 else ""
    return {"PIP_NO_COMPILE": "1", **({"PIP_CACHE_DIR": cache} if cache else {})}


def step(what: str, command: str, cwd: Path, env: dict, times: dict) -> subprocess.CompletedProcess:
    """Run ``command`` in bash; record its wall-clock and CPU seconds (the CPU time, which
    does not grow with the machine's load, is what the README's estimate is based on)."""
    start, cpu = time.perf_counter(), _children_cpu()
    run = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=STEP_TIMEOUT, executable="/bin/bash")  # fmt: skip
    times[what] = (time.perf_counter() - start, _children_cpu() - cpu)
    assert run.returncode == 0, f"{what}: {command!r} failed\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


def test_readme_commands_in_order_in_a_fresh_venv(tmp_path):
    data = require_data("wiod2013").parent
    first, second = readme_commands()
    install2, _, pytest_part = second.partition(" && ")
    assert pytest_part.startswith("python -m pytest")

    repo, venv, xdg = tmp_path / "project", tmp_path / "venv", tmp_path / "xdg"
    copy_project(repo)
    times = {}
    step("python -m venv", f'"{sys.executable}" -m venv "{venv}"', tmp_path, dict(os.environ), times)
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("GVCDECOMP_", "NUMBA_", "PYTHON", "VIRTUAL_ENV"))
    }  # fmt: skip
    env.update(pip_settings(), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               VIRTUAL_ENV=str(venv), XDG_CACHE_HOME=str(xdg))  # fmt: skip
    with Server(data) as mirror:
        env["GVCDECOMP_MIRROR"] = mirror.url
        run = step("command 1", first, repo, env, times)
        assert mirror.requests == ["/wiod2013/wiot_2011.RData"]
    assert "downloading wiot_2011.RData" in run.stderr
    for country, value in STUDY.items():  # reproduced, then the study's value
        line = next(l for l in run.stdout.splitlines() if l.startswith(country))
        assert re.findall(r"\d+\.\d", line) == [f"{value:.1f}"] * 2, run.stdout
    # numba's compiled kernels went to the per-user cache, not into the package
    assert list((xdg / "gvcdecomp" / "numba").rglob("*.nbi"))
    assert not [p for d in (repo, venv) for p in d.rglob("*.nb[ic]")]

    step("command 2: install", install2, repo, env, times)
    inner = {**env, GUARD: "1", "GVCDECOMP_DATA_DIR": str(data)}
    step("command 2: pytest (a selection)", f"{pytest_part} -p no:cacheprovider tests/test_cli.py "
         "-k 'demo or one_name or nowhere'", repo, inner, times)  # fmt: skip

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = "import gvcdecomp as gd; print(gd.__file__); print(callable(gd.decompose))"
    run = step("import", f"python -c '{probe}'", elsewhere, env, times)
    assert run.stdout.split() == [str(repo / "gvcdecomp" / "__init__.py"), "True"]
    run = step("gvcdecomp --help", "gvcdecomp --help", elsewhere, env, times)
    assert "reproduce" in run.stdout and "cache" in run.stdout
    print("first-use seconds (wall, CPU): "
          + ", ".join(f"{k} {wall:.0f}, {cpu:.0f}" for k, (wall, cpu) in times.items()))  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize("preset", [None, "mine"])
@pytest.mark.parametrize("numba_first", [False, True])
def test_numba_cache_in_the_user_cache(tmp_path, preset, numba_first):
    """Compiled kernels go to <cache_dir>/numba unless NUMBA_CACHE_DIR is set, also when
    numba was imported before gvcdecomp."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    if preset:
        env["NUMBA_CACHE_DIR"] = str(tmp_path / preset)
    code = ("import numba; " if numba_first else "") + (
        "import gvcdecomp, numba, os; print(os.environ['NUMBA_CACHE_DIR']); print(numba.config.CACHE_DIR)"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)  # fmt: skip
    expected = str(tmp_path / preset) if preset else str(tmp_path / "xdg" / "gvcdecomp" / "numba")
    assert run.stdout.split() == [expected, expected], run.stderr
