"""One-to-many: a character-level language model trained with truncated BPTT over a long stream,
sampling with temperature, top-k and a prompt, and bits per character on held-out text.

Training (:meth:`CharLM.fit`) cuts the training text into ``B`` parallel streams (stream ``b`` is the
``b``-th contiguous ``1/B`` of the text) and walks them together in chunks of ``k`` steps
(``bptt``). The recurrent state is carried from chunk to chunk, detached (no gradient crosses a chunk
boundary), and one optimizer step is taken per chunk -- across the whole pass, not only inside one
batch. The loop is :class:`rnnkit.training.Trainer` with ``tbptt_k=k``: one trainer "epoch" is a
*round* of ``chunks_per_round`` chunks, after which the held-out bits/char is measured (the curve);
the state at the end of a round is handed to the next round's first chunk, and reset to zeros only
when a new pass over the text starts. That carried state and the generator of ``reset_prob``'s resets ride in every
checkpoint (:class:`~rnnkit.tasks.generation.carry.CarriedState`), so a fit with ``checkpoint_dir`` resumed after an
interruption (``resume=True``; CLI ``train --resume``) ends with the uninterrupted fit's model, bit for bit on CPU.

Characters are Unicode code points after NFC normalisation (:func:`rnnkit.data.vocab.tokenize` in
``"chars"`` mode): any script, no assumption about spaces. The vocabulary is ``<pad>``, ``<unk>`` and
every training character seen at least ``min_freq`` times. **Unknown characters**: in training and in
evaluation, characters outside the vocabulary are read as ``<unk>`` (so an evaluation text's unseen
characters cost ``-log2 p(<unk>)`` bits each; ``evaluate`` reports how many there were). In a prompt
they raise a :class:`~rnnkit.errors.DataError` naming them (``unknown="unk"`` feeds ``<unk>`` instead).
Sampling never emits ``<pad>`` or ``<unk>``.

**Subword units** (``units="bpe"``): the same network reads and predicts BPE units learned on the
training text (:class:`rnnkit.data.subword.BPEVocab`); every bit count is still divided by characters
(``unit_chars[i]`` = the characters unit ``i`` covers), ``bptt`` counts units and sampling ``length``
characters. **Dynamic evaluation** (:meth:`CharLM.evaluate` with ``dynamic_lr``) scores each segment,
then adapts a copy of the network to it; it is an extra number, never the default one.

Bits per character of a text ``c_0 .. c_{N-1}``: the mean of ``-log2 p(c_t | c_<t)`` over
``t = 1 .. N-1`` (the first character has no context and is not scored). Baseline
(:class:`NGramCharModel`): an interpolated Witten-Bell character n-gram fitted on the training text
(order 1 = a unigram smoothed towards uniform).

Modules: :mod:`~rnnkit.tasks.generation.lm` (network, :class:`CharLM`; the config is in
:mod:`rnnkit.tasks.generation_config`),
:mod:`~rnnkit.tasks.generation.data` (splits, stream rounds), :mod:`~rnnkit.tasks.generation.carry` (what a
round hands the next, for checkpoints), :mod:`~rnnkit.tasks.generation.scoring`
(bits per character, dynamic evaluation), :mod:`~rnnkit.tasks.generation.ngram` (the baseline).
"""

from rnnkit.tasks.generation.data import (
    SHAKESPEARE_SPLIT_RULE, StreamRounds, check_text, shakespeare_split, stream_matrix, text_split,
)
from rnnkit.tasks.generation.lm import CharLM, CharLMConfig, CharLMNet, check_sampling
from rnnkit.tasks.generation.ngram import NGramCharModel
from rnnkit.tasks.generation.scoring import stream_bits

__all__ = ["CharLMConfig", "CharLM", "CharLMNet", "NGramCharModel", "StreamRounds", "stream_matrix",
           "shakespeare_split", "text_split", "SHAKESPEARE_SPLIT_RULE", "check_sampling", "check_text", "stream_bits"]
