"""Start-up time of gvcdecomp: ``import gvcdecomp`` and ``gvcdecomp --help``.

Usage::

    python benchmarks/startup.py [--repeat 7] [--before REV]

Each command runs in a fresh interpreter (``subprocess``), as a user starts it;
the time printed is the least of ``--repeat`` runs (the other runs measure the
neighbours' load on a shared machine), wall clock, interpreter start included.
A bare ``python -c pass`` is timed alongside as the floor no import can beat,
and ``-X importtime`` names the costliest packages ``import gvcdecomp`` pulls in.
Bytecode caches are warm (an untimed first run of each command).

``--before REV`` also times the package as it was at the git revision ``REV``
(extracted with ``git archive`` into a temporary folder), in the same runs,
interleaved, so that both columns see the same load. Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import gvcdecomp": ["-c", "import gvcdecomp"],
    "gvcdecomp --help": ["-m", "gvcdecomp.cli", "--help"],
    "import gvcdecomp; gd.decompose": ["-c", "import gvcdecomp as gd; gd.decompose"],
}


def run(args: list[str], tree: Path, **kw) -> subprocess.CompletedProcess:
    """``python *args`` importing gvcdecomp from ``tree`` (put first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, check=True, **kw)


def least_times(args: list[str], trees: list[Path], repeat: int) -> list[float]:
    """Least wall-clock seconds of ``repeat`` runs per tree, runs interleaved, one untimed first."""
    best = [float("inf")] * len(trees)
    for k in range(repeat + 1):
        for i, tree in enumerate(trees):
            t0 = time.perf_counter()
            run(args, tree, stdout=subprocess.DEVNULL)
            if k:
                best[i] = min(best[i], time.perf_counter() - t0)
    return best


def costliest_imports(tree: Path, k: int = 8) -> list[tuple[float, str]]:
    """The ``k`` packages whose import costs ``import gvcdecomp`` most (cumulative s, one run).

    A package imported from several places counts once, at its largest cumulative time.
    """
    out = run(["-X", "importtime", "-c", "import gvcdecomp"], tree, capture_output=True, text=True)
    most: dict[str, float] = {}
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            top = m.group(2).split(".")[0]
            most[top] = max(most.get(top, 0.0), int(m.group(1)) / 1e6)
    ranked = sorted((s, n) for n, s in most.items() if n not in ("gvcdecomp", "site"))
    return ranked[::-1][:k]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--before", metavar="REV", help="also time the package at this git revision")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees, names = [REPO], ["now"]
        if args.before:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before, "gvcdecomp"],
                                     check=True, capture_output=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            trees, names = [Path(tmp), REPO], [args.before, "now"]
        load = os.getloadavg()[0]
        print(f"least of {args.repeat} runs, seconds; load average {load:.2f} at start")
        print(f"  {'':<34}" + "".join(f"{n:>12}" for n in names))
        for label, cmd in COMMANDS.items():
            times = least_times(cmd, trees, args.repeat)
            print(f"  {label:<34}" + "".join(f"{t:12.3f}" for t in times))
        print(f"load average {os.getloadavg()[0]:.2f} at end")
        for name, tree in zip(names, trees):
            print(f"costliest imports of `import gvcdecomp` ({name}; cumulative s, one run):")
            for seconds, package in costliest_imports(tree):
                print(f"  {package:<34}{seconds:12.3f}")


if __name__ == "__main__":
    main()
