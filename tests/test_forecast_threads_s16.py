"""ForecastConfig(threads=n) above what the process could start is a ConfigError (session 16): `--threads 99999`
crashed `rnnkit bench` with SIGSEGV (libgomp could not create the threads; fixed for the CLI in e9aee6d) and the
forecaster's own `threads` took any int. Refused before any thread is set, so the test starts none."""

import pytest

from rnnkit._threads import max_threads
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.config import ForecastConfig


def test_forecast_threads_above_the_system_limit_are_refused():
    limit = max_threads()
    if limit is None:
        pytest.skip("no thread limit readable here (not Linux)")
    with pytest.raises(ConfigError, match=rf"^threads: expected an int in \[1, {limit}\]"):
        ForecastConfig(threads=limit + 1)
    assert ForecastConfig(threads=1).threads == 1 and ForecastConfig(threads=None).threads is None
