import os

import pytest
import torch

# Deterministic, quiet tests; matplotlib never opens a window.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield
