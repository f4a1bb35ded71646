"""table.core with 1 BLAS thread, 2 threads, and as many threads as cores idle at call time.

Measures whether choosing the BLAS thread count from the machine's state when
the factorisation starts (runnable threads of other processes, from
/proc/loadavg, against the usable cores) keeps the second core's gain on an
idle machine and avoids the loss on a busy one, where OpenBLAS's worker
threads wait for a core that another process holds. The library does not use
the rule: OpenBLAS's LU differs in the last bits with the thread count, and a
result must not depend on the machine's load (docs/numerics.md, "Threads").

    python benchmarks/core_threads.py [--rounds 7] [--busy K]

``--busy K`` starts K busy-loop processes for the duration (to measure the
loaded case on an idle machine); they are stopped at the end. Linux only.
Prints least-of-rounds seconds per setting, the speed-ups over 1 thread, the
thread counts the rule picked and the load average. Needs the WIOD 2013 year
2011 (GVCDECOMP_DATA_DIR or the cache).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import gvcdecomp as gd
from gvcdecomp.core import LeontiefCore


def idle_cores(usable: int) -> int:
    """Usable cores minus the runnable threads of other processes, at least 1."""
    running = int(open("/proc/loadavg").read().split()[3].split("/")[0])
    own = 0
    for task in os.listdir("/proc/self/task"):
        try:
            stat = open(f"/proc/self/task/{task}/stat").read()
        except OSError:
            continue  # a thread that just ended
        own += stat[stat.rindex(")") + 2] == "R"
    return max(1, min(usable, usable - (running - own)))


def spin():
    while True:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--busy", type=int, default=0)
    args = ap.parse_args()
    warnings.simplefilter("ignore", gd.BalanceWarning)
    t = gd.load_wiod2013(2011)
    usable = len(os.sched_getaffinity(0))
    I_A = np.eye(t.n) - t.Z / np.where(t.x > 0, t.x, 1.0)
    steps = {"table.core": lambda: LeontiefCore(t), "bare inv": lambda: np.linalg.inv(I_A)}
    busy = [mp.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for p in busy:
        p.start()
    try:
        for f in steps.values():
            f()  # first-use work outside the timing
        times = {(s, k): [] for s in steps for k in ("1", str(usable), "idle cores")}
        picks = []
        for _ in range(args.rounds):
            for (step, k), ts in times.items():
                n = idle_cores(usable) if k == "idle cores" else int(k)
                if k == "idle cores" and step == "table.core":
                    picks.append(n)
                with threadpool_limits(n, user_api="blas"):
                    t0 = time.perf_counter()
                    steps[step]()
                    ts.append(time.perf_counter() - t0)
        load = os.getloadavg()
    finally:
        for p in busy:
            p.terminate()
    print(f"GN = {t.n}, {usable} usable cores, {args.busy} busy-loop process(es), least of "
          f"{args.rounds}; load average at the end " + " ".join(f"{x:.2f}" for x in load))
    head = ["step", "1 thread (s)", "all threads (s)", "idle cores (s)", "speed-up all",
            "speed-up idle cores"]  # fmt: skip
    print("| " + " | ".join(head) + " |\n" + "|---" * len(head) + "|")
    for s in steps:
        one, all_, idle = (min(times[s, k]) for k in ("1", str(usable), "idle cores"))
        cells = [s, *(f"{v:.3g}" for v in (one, all_, idle)), f"{one / all_:.2f}",
                 f"{one / idle:.2f}"]  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print(f"threads picked by the rule for table.core: {picks}")


if __name__ == "__main__":
    main()
