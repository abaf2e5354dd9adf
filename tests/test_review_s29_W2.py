"""Session 29, helper W2's review of b8033ad: the hint for a flag's value starting with '-' offered './-abc for a
path' for flags whose value is no path ('generate sample --prompt -abc', 'classify predict --text-col -x'); the
'./' spelling is now offered for path flags alone (--run, --csv, --out ...)."""

import pytest

from rnnkit.cli.main import main


@pytest.mark.parametrize("argv, hint", [
    (["generate", "sample", "--run", "r", "--prompt", "-abc"], " (a value starting with '-' reads as a flag: write "
                                                               "--prompt=-abc)"),
    (["classify", "predict", "--run", "r", "--text-col", "-x"], " (a value starting with '-' reads as a flag: write "
                                                                "--text-col=-x)"),
    (["classify", "predict", "--run", "-run"], " (a value starting with '-' reads as a flag: write --run=-run, or "
                                               "./-run for a path)"),   # a path flag keeps the ./ spelling
])
def test_the_path_spelling_is_offered_for_path_flags_alone(capsys, argv, hint):
    assert main(argv) == 2
    flag = argv[-2]
    prog = f"rnnkit {argv[0]} {argv[1]}"
    assert capsys.readouterr().err.strip().splitlines() == [
        f"{prog}: error: argument {flag}: expected one argument{hint} (see {prog} --help)"]


def test_a_lone_step_is_named_with_the_rows_time_form(tmp_path):
    """A run fitted by integer steps: the reply's forecast rows give "time": "61" and its outliers_missing gave
    "time": 60 (an int) -- one reply, two forms of one key; both are the rows' text now."""
    import json
    import warnings

    import numpy as np
    import pandas as pd

    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    Forecaster("ets", horizon=2).fit(pd.DataFrame({"y": 100 + 0.2 * t + 3 * np.sin(t / 2)}), target="y").save(
        tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # the server's own one-line warning
        reply = json.loads(service.observe([{"id": "y", "time": 60, "value": 1e12}]))
    service.close()
    assert [r["time"] for r in reply["forecast"]] == ["61", "62"]
    assert reply["outliers_missing"] == [{"id": "y", "time": "60", "value": 1e12}]


def test_a_fit_typo_does_not_hide_every_later_typo():
    """11c93e6 put the values read as missing back into the history before screening new points (a level shift
    streamed one point per update was blanked for ever); a fit's 1e12 typo put back was then the series' lone value
    for every later update, and a new 999999 (a missing-value code) was taken as given with no warning: ETS forecast
    ~36,000 for a series of ~115 (at 529f093 the code was read as missing, forecast ~114). A value read as missing
    that is still lone is left out of the screen again (the level shift of 11c93e6: test_review_s29_W_outliers)."""
    import warnings

    import numpy as np
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    y = 100 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)
    y[20] = 1e12
    data = pd.DataFrame({"date": pd.date_range("2015-01-01", periods=60, freq="MS"), "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("ets", horizon=3).fit(data, target="y", time_col="date")
    new = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=2, freq="MS"), "y": [999999.0, 113.0]})
    with pytest.warns(UserWarning, match="1e\\+06 at time 2020-01-01"):
        fc = f.update(new)
    assert fc["value"].max() < 200
    assert [o["value"] for o in f.summary()["series"][0]["outliers_missing"]] == [1e12, 999999.0]
