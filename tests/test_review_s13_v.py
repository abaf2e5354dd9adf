"""Session 13, helper V (review of the session's changes): edge cases the fixes missed. Each test fails on the
code before its fix (commit message names it)."""

import numpy as np
import pytest
import torch

from rnnkit.errors import DataError


# ------------------------------------------------------------------ gradient flow: summed records' lengths
def test_a_record_summed_with_another_reads_each_sequence_up_to_its_longer_length():
    """A layer recorded twice with one (T, B) (two backward passes, or one layer run on two padded inputs of one
    size) sums the norms; its lengths were the last record's alone, so a sequence valid 4 steps in the first
    and 2 in the second was read up to step 2 only ('ok' where the summed norms vanish over 4 steps), and a
    full-length record after a padded one kept the padded lengths. Oracle: summarize with the lengths given."""
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.engine import gradflow
    from rnnkit.engine.gradflow import GradFlowRecorder

    first = torch.tensor([[1e-6, 1.0], [1e-4, 1.0], [1e-2, 0.0], [1.0, 0.0]])   # lengths 4, 2
    second = torch.tensor([[1e-9, 1.0], [1e-9, 1.0], [0.0, 1.0], [0.0, 1.0]])  # lengths 2, 4
    with GradFlowRecorder() as rec:
        gradflow.record("L", first, torch.tensor([4, 2]))
        gradflow.record("L", second, torch.tensor([2, 4]))
    assert rec.lengths["L"].tolist() == [4, 4]
    got = summarize_gradient_flow(rec.norms)["L"]
    want = summarize_gradient_flow({"L": first + second}, lengths=torch.tensor([4, 4]))["L"]
    assert got == want and got.flag == "vanishing"

    with GradFlowRecorder() as rec:   # a record without lengths is full length: the sum is too
        gradflow.record("L", first, torch.tensor([4, 2]))
        gradflow.record("L", torch.ones(4, 2))
    assert "L" not in rec.lengths and summarize_gradient_flow(rec.norms)["L"].steps == 4


# ------------------------------------------------------------------ labels: numbers compared exactly
def test_label_spelling_never_overflows_and_compares_integers_exactly():
    """check_label_spelling turned every label into a float: an int label beyond float's range (10**400) was a
    bare OverflowError out of evaluate, and 2**53 + 1 'was the same number' as the class '9007199254740992'
    (an unseen class, not another spelling). CSV labels: '9007199254740993' and '9007199254740992' were
    refused as one number written two ways."""
    from rnnkit.data.text import _one_spelling_per_number
    from rnnkit.tasks.common import check_label_spelling

    check_label_spelling([10 ** 400], [str(10 ** 400)], ["1", "2"], "y")             # unseen, no error
    check_label_spelling([2 ** 53 + 1], [str(2 ** 53 + 1)], [str(2 ** 53)], "y")      # another number
    check_label_spelling([np.int64(2 ** 53 + 1)], [str(2 ** 53 + 1)], [str(2 ** 53)], "y")
    _one_spelling_per_number([str(2 ** 53 + 1), str(2 ** 53)], "y")
    # still refused: one number written two ways (ints exactly, floats as floats)
    for lab, text, known in ((1, "1", ["1.0", "2.0"]), (np.int64(1), "1", ["1e0"]), (1.0, "1.0", ["1", "2"]),
                             (np.float32(0.5), "0.5", ["0.50"]), (0.1, "0.1", ["0.10"])):
        with pytest.raises(DataError, match=r"^y\[0\]: expected a label as training wrote it"):
            check_label_spelling([lab], [text], known, "y")
    with pytest.raises(DataError, match="each label written one way"):
        _one_spelling_per_number(["1", "1.0"], "y")
    for lab in (True, np.bool_(True), float("nan"), float("inf"), np.complex128(1 + 2j)):   # never a number here
        check_label_spelling([lab], [str(lab)], ["1", "nan", "inf", "1e400"], "y")
