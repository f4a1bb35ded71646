"""Start-up time of gvcdecomp: ``import gvcdecomp`` and ``gvcdecomp --help``.

Usage::

    python benchmarks/startup.py [--repeat 7]

Each command runs in a fresh interpreter (``subprocess``), as a user starts it;
the time printed is the least of ``--repeat`` runs (the other runs measure the
neighbours' load on a shared machine), wall clock, interpreter start included.
A bare ``python -c pass`` is timed alongside as the floor no import can beat,
and ``-X importtime`` names the slowest top-level imports of ``import gvcdecomp``.
Bytecode caches are warm (an untimed first run of each command). Nothing here
asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import gvcdecomp": [sys.executable, "-c", "import gvcdecomp"],
    "gvcdecomp --help": [sys.executable, "-m", "gvcdecomp.cli", "--help"],
    "import gvcdecomp; gd.decompose resolved": [
        sys.executable, "-c", "import gvcdecomp as gd; gd.decompose",
    ],
}  # fmt: skip


def least_time(cmd: list[str], repeat: int) -> float:
    """Least wall-clock seconds of ``repeat`` runs of ``cmd`` (after one untimed run)."""
    best = float("inf")
    for k in range(repeat + 1):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=os.environ)
        if k:
            best = min(best, time.perf_counter() - t0)
    return best


def slowest_imports(k: int = 8) -> list[tuple[float, str]]:
    """The ``k`` packages whose import costs ``import gvcdecomp`` most (cumulative s, one run).

    A package imported from several places counts once, at its largest cumulative time.
    """
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", "import gvcdecomp"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    most: dict[str, float] = {}
    for line in run.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            top = m.group(2).split(".")[0]
            most[top] = max(most.get(top, 0.0), int(m.group(1)) / 1e6)
    return sorted(((s, n) for n, s in most.items() if n not in ("gvcdecomp", "site")), reverse=True)[:k]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args(argv)
    print(f"least of {args.repeat} runs, seconds, load average {os.getloadavg()[0]:.2f}")
    for name, cmd in COMMANDS.items():
        print(f"  {name:<42}{least_time(cmd, args.repeat):7.3f}")
    print("costliest packages imported by `import gvcdecomp` (cumulative, one run):")
    for seconds, name in slowest_imports():
        print(f"  {name:<42}{seconds:7.3f}")


if __name__ == "__main__":
    main()
