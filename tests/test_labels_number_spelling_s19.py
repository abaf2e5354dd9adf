"""Session 19 (helper Q, added by the lead with the check_labels line)."""

import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.common import check_labels


@pytest.mark.parametrize("labels", [["1", "0", "1.0"], ["1", 1.0], [1, "1.0"], [0.0, "0"]])
def test_one_number_written_as_int_and_float_is_one_question_not_two_classes(labels):
    """'1' and '1.0' through the API were two classes, silently (a CSV column holding both is refused by
    read_csv_texts, and evaluate refuses the other form against training's since session 16)."""
    with pytest.raises(DataError, match="expected each label written one way"):
        check_labels(labels)


def test_codes_and_other_numbers_stay_labels_of_their_own():
    assert check_labels(["01", "1", "1.10", "1.1", "2"]) == ["01", "1", "1.10", "1.1", "2"]
    assert check_labels([1.0, 2.0, 1.0]) == ["1.0", "2.0", "1.0"]
