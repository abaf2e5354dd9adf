"""Session 31, helper S: what the label metrics refuse instead of a silent 0.0 or a bare torch error.

Bytes labels (``b'pos'``: a numpy ``S`` array, h5py / np.loadtxt text) against text labels were scored 0.0 with no word
(``b'pos' != 'pos'``); a sparse, meta, quantized or nested tensor, a scipy sparse matrix or a numpy structured array were
torch's bare RuntimeError / NotImplementedError, numpy's TypeError, or (scipy) read as the matrix's rows.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.common import accuracy, classification_metrics, confusion_matrix, macro_f1

METRICS = [accuracy, macro_f1, lambda t, p: classification_metrics(t, p, ["pos", "neg"])]


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("y_true, y_pred, place", [
    ([b"pos", b"neg"], ["pos", "neg"], "y_pred[0]"),
    (["pos", "neg"], [b"pos", b"neg"], "y_pred[0]"),
    (np.array([b"pos", b"neg"]), np.array(["pos", "neg"]), "y_pred[0]"),     # numpy's S and U arrays
    ([np.bytes_(b"pos"), b"neg"], ["pos", "neg"], "y_pred[0]"),
    ([b"pos", "pos"], ["pos", "pos"], "y_true[0]"),                         # bytes beside text in one side
    (["pos", "neg"], ["pos", b"neg"], "y_pred[1]"),
    ([b"pos", b"neg"], [0, 1], "y_pred[0]"),
])
def test_bytes_against_text_is_refused_naming_the_item(metric, y_true, y_pred, place):
    with pytest.raises(DataError, match=rf"^{place.replace('[', '.').replace(']', '.')}: expected labels of .*decode"):
        metric(y_true, y_pred)


def test_bytes_against_bytes_still_scores():
    assert accuracy([b"a", b"b", b"a"], [b"a", b"b", b"b"]) == pytest.approx(2 / 3)
    assert accuracy(np.array([b"a", b"b"]), np.array([b"a", b"b"])) == 1.0
    assert confusion_matrix([b"a", b"b"], [b"a", b"a"], [b"a", b"b"]) == [[1, 0], [1, 0]]


def _odd_tensors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's prototype / deprecation warnings for these layouts
        return [
            ("sparse", torch.tensor([1, 0, 1]).to_sparse(), "sparse tensor"),
            ("sparse_csr", torch.tensor([[1, 0, 1]]).to_sparse_csr(), "sparse tensor"),
            ("meta", torch.empty(3, device="meta"), "meta tensor"),
            ("quantized", torch.quantize_per_tensor(torch.tensor([1.0, 0.0, 1.0]), 1.0, 0, torch.qint8),
             "quantized tensor"),
            ("nested", torch.nested.nested_tensor([torch.tensor([1, 0]), torch.tensor([1])]), "nested tensor"),
            ("structured", np.array([(1, 2), (0, 1), (1, 1)], dtype=[("a", int), ("b", int)]), "structured array"),
        ]


@pytest.mark.parametrize("metric", [accuracy, macro_f1])
@pytest.mark.parametrize("case", _odd_tensors(), ids=lambda c: c[0])
def test_tensors_without_plain_values_are_typed(metric, case):
    _, odd, words = case
    with pytest.raises(InputTypeError, match=rf"^y_true: expected a 1-D list, array or dense tensor .*{words}"):
        metric(odd, [1, 0, 1])
    with pytest.raises(InputTypeError, match=rf"^y_pred: expected .*{words}"):
        metric([1, 0, 1], odd)


def test_scipy_sparse_matrix_is_not_read_as_its_rows():
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(InputTypeError, match=r"^y_true: expected .*scipy sparse csr_matrix.*toarray"):
        accuracy(sparse.csr_matrix(np.array([[1, 0, 1]])), [1, 0, 1])


def test_dense_tensors_still_score_as_before():
    assert accuracy(torch.tensor([1, 0, 1]).to_sparse().to_dense(), [1, 0, 1]) == 1.0
    assert accuracy(torch.tensor([1 + 0j, 0j]), [1, 0]) == 1.0    # complex labels compare exactly
    with pytest.raises(InputTypeError, match=r"^y_true\[0\]: expected a label"):
        accuracy(torch.tensor([[1], [0]]), [1, 0])                  # (N, 1) rows: refused as before


def test_fit_labels_a_structured_array_or_a_tensor_are_refused_naming_the_argument():
    from rnnkit.tasks.common import check_labels

    records = np.array([(1, 2), (0, 1)], dtype=[("a", int), ("b", int)])
    with pytest.raises(InputTypeError, match=r"^labels: expected a list or a 1-D array of labels, got a structured "
                                             r"array .*arr\['name'\]"):
        check_labels(records)          # at dfd260d: classes '(1, 2)' and '(0, 1)', silently
    with pytest.raises(InputTypeError, match=r"^y: expected .*got a torch Tensor; pass y\.tolist\(\)"):
        check_labels(torch.tensor([1, 0]), "y")
    with pytest.raises(InputTypeError, match=r"^y: expected .*got a sparse tensor .*to_dense\(\), then \.tolist\(\)"):
        check_labels(torch.tensor([1, 0]).to_sparse(), "y")
    assert check_labels(np.array([1, 0])) == ["1", "0"]    # numpy arrays as before


@pytest.mark.parametrize("y_true, y_pred, place", [
    ([None, "a"], ["a", "a"], "y_true[0]"),
    (["a", "b"], ["a", None], "y_pred[1]"),
    ([float("nan"), 1.0], [1.0, 1.0], "y_true[0]"),
    (np.ma.array(["a", "b"], mask=[False, True]), ["a", "b"], "y_true[1]"),    # a masked item reads as None
])
def test_a_missing_label_is_refused_not_scored_wrong(y_true, y_pred, place):
    # at dfd260d each was scored as a wrong prediction: accuracy 0.5, no word (scikit-learn: 'Input contains NaN')
    for metric in (accuracy, macro_f1):
        with pytest.raises(DataError, match=rf"^{re.escape(place)}: expected a label, got a missing value"):
            metric(y_true, y_pred)
