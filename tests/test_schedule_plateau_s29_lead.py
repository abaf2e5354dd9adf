"""``ScheduleConfig("plateau", gamma=1.0)`` passed the config's check and reached torch's ReduceLROnPlateau, whose
bare ``ValueError: Factor should be < 1.0.`` came when the Trainer built it, after the data was read (helper C's
all-pairs run, session 29; generate's --lr-decay 1 was refused in 03ddc34). A step schedule's gamma 1 stays valid
(a constant LR, as torch's StepLR takes it)."""

from __future__ import annotations

import pytest

from rnnkit.errors import ConfigError
from rnnkit.training.config import ScheduleConfig


def test_plateau_with_gamma_one_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^schedule\.gamma: expected a number in \(0, 1\) with name='plateau' .*"
                                          r"got 1\.0$"):
        ScheduleConfig("plateau", gamma=1.0)


def test_step_with_gamma_one_and_plateau_below_one_are_taken():
    assert ScheduleConfig("step", gamma=1.0).gamma == 1.0
    assert ScheduleConfig("plateau", gamma=0.999).gamma == 0.999
