import numpy as np, pytest, torch
from rnnkit.errors import InputTypeError
from rnnkit.tasks.common import accuracy, macro_f1
from rnnkit.tasks.tagging import tagging_metrics


def test_label_metrics_of_tensors_are_exact_and_rows_refused():
    assert accuracy(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0])) == 2 / 3
    assert accuracy([0, 1, 1], torch.tensor([0, 1, 0])) == 2 / 3
    assert macro_f1(np.array([0, 1, 1]), torch.tensor([0, 1, 1])) == 1.0
    with pytest.raises(InputTypeError, match=r"y_true\[0\]: expected a label"):
        accuracy(torch.tensor([[1], [0]]), [1, 0])


def test_tagging_metrics_read_iterators_once():
    gold = [["B-X", "O"]]
    want = tagging_metrics(gold, gold)
    assert tagging_metrics((s for s in gold), gold) == want
    assert tagging_metrics([iter(["B-X", "O"])], gold) == want
