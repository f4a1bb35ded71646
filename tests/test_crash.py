"""Writes killed (SIGKILL) at every step: the path holds the old or the new content, exactly.

A forked child runs one write with the file-system calls below wrapped; at the
k-th call it kills itself, before the call runs. The parent then loads the
path, checks the content against the old and the new one, writes again and
checks that no leftover remains. k runs from 1 until the child completes.
"""

import json
import os
import shutil
import signal
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import random_table

import gvcdecomp as gd
from gvcdecomp.sources import cache
from gvcdecomp.storage import load_result, load_table, save_result, save_table

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

WATCHED = ("open", "replace", "rename", "mkdir", "rmdir", "unlink", "link", "fsync")


def killed_at(k: int | None, write, log: Path | None = None) -> bool:
    """Run ``write()`` in a child killed at the k-th watched call; True if it was killed.

    With ``k=None`` the child runs to the end and writes to ``log``, per call,
    its name and path when it acts on the target's folder itself (the target or
    a sibling, not a file inside a store), else None.
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            calls = []

            def watch(name, fn):
                def wrapped(*args, **kwargs):
                    on = args[0] if args and isinstance(args[0], str | Path) else None
                    calls.append([name, str(on)] if on and Path(on).parent == log_dir else None)
                    if len(calls) == k:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return fn(*args, **kwargs)

                return wrapped

            log_dir = Path(os.environ["H1_CRASH_DIR"])
            for name in WATCHED:
                setattr(os, name, watch(name, getattr(os, name)))
            shutil.rmtree = watch("rmtree", shutil.rmtree)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                write()
            if log is not None:
                log.write_text(json.dumps(calls))
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the write failed in the child"
    return False


def kill_points(write, folder: Path, reset, internal: int | None) -> list[int]:
    """Every call on the target's folder itself (the steps of the swap), and
    ``internal`` calls spread over those inside a store being written (all when None)."""
    log = folder.parent / f"{folder.name}-calls.json"
    reset()
    assert not killed_at(None, write, log)
    calls = json.loads(log.read_text())
    log.unlink()
    first = {}  # zarr makes its root folder again before each file: the first time counts
    for k, call in enumerate(calls, 1):
        if call is not None:
            first.setdefault(tuple(call), k)
    inside = [k for k, call in enumerate(calls, 1) if call is None]
    if internal is not None:
        inside = inside[:: max(1, len(inside) // max(internal, 1))][:internal]
    return sorted({*first.values(), *inside}) + [len(calls) + 1]


def crash_everywhere(target, before, write, check, rewrite, internal=None):
    """Kill ``write`` at each kill point; after each, ``check`` the content, ``rewrite``
    and verify that only ``target`` is left in its folder. ``before()`` makes the
    state before the write, once: each kill starts from a copy of it."""
    folder = target.parent
    os.environ["H1_CRASH_DIR"] = str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    before()
    template = folder.parent / f"{folder.name}-before"
    shutil.copytree(folder, template)

    def reset():
        shutil.rmtree(folder)
        shutil.copytree(template, folder)

    points = kill_points(write, folder, reset, internal)
    for k in points:
        reset()
        assert killed_at(k, write) == (k != points[-1])
        check(k)
        rewrite()
        assert sorted(p.name for p in folder.iterdir()) == [target.name], k
    return points


def same_table(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("Z", "Y", "x")) and all(
        getattr(a, k) == getattr(b, k) for k in ("countries", "sectors", "fd_categories", "year")
    )


@pytest.mark.parametrize(
    "suffix, existing, internal",
    [(".nc", True, None), (".nc", False, None), (".zarr", True, 2), (".zarr", False, 1)],
    ids=["nc-overwrite", "nc-first", "zarr-overwrite", "zarr-first"],
)
def test_save_table_killed_anywhere(tmp_path, suffix, existing, internal):
    target = tmp_path / "out" / f"t{suffix}"
    old, new, newer = (random_table(G, 2, seed=s) for G, s in ((3, 1), (4, 2), (2, 3)))

    def check(k):
        try:
            got = load_table(target)
        except gd.DataNotFoundError:
            assert not existing, f"the old content is lost after a kill at call {k}"
            return
        assert same_table(got, new) or (existing and same_table(got, old)), k

    def rewrite():
        save_table(newer, target)
        assert same_table(load_table(target), newer)

    before = (lambda: save_table(old, target)) if existing else (lambda: None)
    write = lambda: save_table(new, target)  # noqa: E731
    points = crash_everywhere(target, before, write, check, rewrite, internal)
    assert len(points) >= 5


@pytest.mark.parametrize("suffix, internal", [(".nc", None), (".zarr", 0)])
def test_save_result_killed_anywhere(tmp_path, suffix, internal):
    target = tmp_path / "out" / f"r{suffix}"
    # two terms keep the zarr stores small; what is written does not change the steps
    old, new = (gd.decompose(random_table(3, 2, seed=s), "kww")[["DVA_FIN", "FDC"]] for s in (4, 5))

    def check(k):
        got = load_result(target)
        assert got.identical(new) or got.identical(old), k

    def rewrite():
        save_result(new, target)
        assert load_result(target).identical(new)

    before, write = (lambda ds=ds: save_result(ds, target) for ds in (old, new))
    crash_everywhere(target, before, write, check, rewrite, internal)


def test_cache_writer_killed_anywhere(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(cache.ENV_VAR, raising=False)
    monkeypatch.setattr(cache, "_unusable", set())
    monkeypatch.setattr(cache, "_ignored", set())
    source = tmp_path / "table.txt"
    tables = {s: random_table(3, 2, seed=s) for s in (5, 6, 7)}

    def load(seed):
        source.write_text(f"table {seed}")  # the content the entry is keyed by
        t = tables[seed]
        parts = {"Z": t.Z, "Y": t.Y, "countries": list(t.countries), "sectors": list(t.sectors),
                 "fd_categories": list(t.fd_categories), "year": t.year}  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("error", cache.CacheWarning)  # a kill never leaves a bad entry
            return cache.cached_parts("test", source, lambda: parts)

    def check(k):
        got = load(6)
        assert np.array_equal(got["Z"], tables[6].Z), k
        assert got["countries"] == list(tables[6].countries), k

    def rewrite():  # an entry for a new content replaces the others and the leftovers
        assert np.array_equal(load(7)["Z"], tables[7].Z)

    source.write_text("table 7")
    target = cache.entry_path("test", source)
    crash_everywhere(target, lambda: load(5), lambda: load(6), check, rewrite)
