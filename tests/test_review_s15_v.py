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


# ------------------------------------------------------------------ a panel read without id_col
def test_a_panel_read_without_id_col_names_the_column_that_tells_its_series_apart():
    """4954336 said of any time given 4 or 12 times 'a year with its quarter in another column? join them' -- but
    a yearly table of 4 stores read without --id-col is that too, and the hint sent the user to join a year with a
    store. Oracle: the same table with id_col forecasts each store; a year + quarter table keeps R's hint."""
    import numpy as np
    import pandas as pd
    import pytest

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    df = pd.DataFrame([{"year": y, "store": s, "sales": float((y * 7 + ord(s)) % 11)}
                       for s in "abcd" for y in range(1990, 2010)])
    with pytest.raises(DataError, match=r"column 'store' tells those rows apart.*id_col='store'") as e:
        parse_series(df, target="sales", time_col="year")
    assert "quarter" not in str(e.value)
    assert [s.id for s in parse_series(df, target="sales", time_col="year", id_col="store")] == list("abcd")
    q = pd.period_range("1960Q1", periods=12, freq="Q")
    for qtr in (q.quarter, [f"Q{p.quarter}" for p in q]):      # the quarter in a column of its own: the join
        yq = pd.DataFrame({"year": q.year, "qtr": qtr, "gas": np.arange(12.0) % 4 + 1})
        with pytest.raises(DataError, match=r"a year with its quarter in another column\? join them"):
            parse_series(yq, target="gas", time_col="year")
