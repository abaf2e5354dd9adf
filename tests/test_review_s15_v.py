"""Session 15 review (helper V): defects in the session's own changes, each test failing on the code before."""

from __future__ import annotations


# ------------------------------------------------------------------ the cgroup check and the page cache
def test_available_memory_does_not_count_the_cgroups_inactive_page_cache_as_used(tmp_path, monkeypatch):
    """eda1dfd took memory.max less memory.current as what a container has left; memory.current counts the page
    cache of every file read, so a container limited to 800 MB that read 600 MB of data (inactive cache, reclaimed
    on demand) and holds 150 MB of its own was told 50 MB were left, and check_memory refused runs that fit.
    Oracle: docker stats' and cAdvisor's usage (memory.current less memory.stat's inactive_file)."""
    import rnnkit._memory as mem

    mb = 2 ** 20
    monkeypatch.setattr(mem, "CGROUP", tmp_path, raising=False)
    host = mem.available_memory()                 # no memory.max here: the system's own figure
    assert host is not None and host > 800 * mb   # (else this machine cannot tell the two apart)
    (tmp_path / "memory.max").write_text(f"{800 * mb}\n")
    (tmp_path / "memory.current").write_text(f"{750 * mb}\n")
    (tmp_path / "memory.stat").write_text(f"anon {150 * mb}\nfile {600 * mb}\nactive_file 0\n"
                                          f"inactive_file {600 * mb}\n")
    assert mem.available_memory() == 650 * mb     # the limit less what the kernel cannot reclaim (was 50 MB)
    (tmp_path / "memory.stat").write_text(f"anon {150 * mb}\n")   # no inactive_file: the whole of current counts
    assert mem.available_memory() == 50 * mb
    (tmp_path / "memory.stat").unlink()                               # unreadable: likewise
    assert mem.available_memory() == 50 * mb
