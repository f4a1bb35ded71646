"""Two different source files of the same name in two folders have one cache entry each:
before, writing one's entry deleted the other's (entries were told apart by file name)."""

import warnings

import numpy as np
import pytest

from gvcdecomp.sources import cache


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GVCDECOMP_NO_CACHE", raising=False)


def parts(seed):
    """A tiny parse: 2 countries x 1 sector, numbers that tell the files apart."""
    rng = np.random.default_rng(seed)
    return {"Z": rng.random((2, 2)), "Y": rng.random((2, 2)), "countries": ["AAA", "BBB"],
            "sectors": ["s1"], "fd_categories": ["FD"], "year": 2011}  # fmt: skip


def load(file, seed, calls):
    def parse():
        calls.append(file)
        return parts(seed)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no CacheWarning either
        return cache.cached_parts("test", file, parse, part="2011")


def test_same_name_in_two_folders_is_cached_side_by_side(tmp_path):
    a, b = tmp_path / "a" / "wiot_2011.RData", tmp_path / "b" / "wiot_2011.RData"
    for f, content in ((a, b"first file"), (b, b"second file")):
        f.parent.mkdir()
        f.write_bytes(content)
    calls = []
    first_a, first_b = load(a, 1, calls), load(b, 2, calls)
    assert calls == [a, b]
    ea, eb = cache.entry_path("test", a, "2011"), cache.entry_path("test", b, "2011")
    assert ea != eb and ea.is_file() and eb.is_file()  # before: a's entry was deleted
    again_a, again_b = load(a, 99, calls), load(b, 99, calls)  # 99: a parse would show
    assert calls == [a, b]  # both from the cache
    np.testing.assert_array_equal(again_a["Z"], first_a["Z"])
    np.testing.assert_array_equal(again_b["Z"], first_b["Z"])
    assert not np.array_equal(again_a["Z"], again_b["Z"])  # never one's table for the other


def test_an_edited_file_still_replaces_its_own_entry(tmp_path):
    f = tmp_path / "a" / "wiot_2011.RData"
    f.parent.mkdir()
    f.write_bytes(b"old content")
    other = tmp_path / "b" / "wiot_2011.RData"
    other.parent.mkdir()
    other.write_bytes(b"other folder")
    calls = []
    load(f, 1, calls), load(other, 2, calls)
    old = cache.entry_path("test", f, "2011")
    f.write_bytes(b"new content")
    load(f, 3, calls)
    new = cache.entry_path("test", f, "2011")
    assert new != old and new.is_file() and not old.exists()  # no stale entry left behind
    assert cache.entry_path("test", other, "2011").is_file()
    assert cache.info()["test"]["entries"] == 2


def test_entries_of_the_layout_without_folder_are_cleaned_up(tmp_path):
    f = tmp_path / "a" / "wiot_2011.RData"
    f.parent.mkdir()
    f.write_bytes(b"content")
    folder = cache.folder() / "test"
    folder.mkdir(parents=True)
    legacy = folder / f"wiot_2011.RData-2011-{cache.file_digest(f)}-p{cache.PARSER_VERSION}.nc"
    legacy.write_bytes(b"an entry as written before <folder> was part of the name")
    calls = []
    load(f, 1, calls)
    assert calls == [f]  # never read
    assert sorted(folder.iterdir()) == [cache.entry_path("test", f, "2011")]  # nor left behind
