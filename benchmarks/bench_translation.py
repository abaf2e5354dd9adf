"""Translation on trans-de-en (German -> English), every model next to the baselines in one command: the
default dictionary-aware pointer-generator (``model="dict-pointer"``), optionally the char-level seq2seq,
copy-source and the IBM-1 word dictionary (plus, not baselines, the dictionary with the lexicon glosses of
:mod:`rnnkit.tasks.seq2seq_lexicon` for unknown words, and with the external trans-de-en word lexicon of
:mod:`rnnkit.tasks.seq2seq_dictionary`, alone and with the glosses), on the seeded 10% test split of the 19,606 pairs
(``split_indices(n, 0.1, seed 0)``: 1,961 test pairs), greedy and beam.

    python benchmarks/bench_translation.py --epochs 17 --threads 1 --out bench_translation.json
    python benchmarks/bench_translation.py --minutes 20 --char-minutes 20 --out both.json   # wall budgets

A budget is either ``--minutes`` of wall time (the fit's whole time: units, dictionary, encoding, the first
optimizer's import, training, validation; the learning rate decays over it) or ``--epochs`` with the decay
over those epochs (the same training on any machine; on a shared machine CPU seconds are the honest clock,
so the JSON records the process CPU seconds of each fit next to its wall seconds and the load average).
Beam search is batched and scored on the first --beam-n test pairs (all by default; greedy and the baselines
on those too, for a like-for-like row). BLEU and chrF are sacrebleu's, with their signatures.

``--from-run RUN`` trains nothing: it loads a saved dict-pointer run folder (trained on the same training part)
and decodes the test pairs with it -- greedy, beam, and the run's default decoding (``--decode``; ``--mbr-beam K``
adds an MBR row over the K-best) -- next to the run's own saved baselines, so a decoding change is measured on
the same model. ``--override KEY=JSON`` sets a decoding field of the loaded config (``derive_words``, ...), e.g.
for a run saved before that field existed. Every decoding row records its CPU and wall seconds per sentence.

    python benchmarks/bench_translation.py --from-run runs/deen --threads 1 --beam 5 --mbr-beam 12 --out r.json

The dict-pointer's unknown (and once-seen) source words are glossed from the installed trans-de-en file's word
entries (``lexicon="trans-de-en"``, :mod:`rnnkit.tasks.seq2seq_dictionary`; the default since session 33's
pre-registered check; ``--set lexicon=null``: none, the fit of sessions 6-32); ``--set gloss_choice='"known"'``: a
lexicon word's gloss by the training targets' words (session 34's option; its check failed, results_text.md).

``--set KEY=JSON`` (repeatable) sets a field of the dict-pointer *fit* (sizes, dropout, batch, learning rate, ...:
:data:`FIT_FIELDS`), so a candidate recipe runs through this same command, e.g. session 14's larger network:

    python benchmarks/bench_translation.py --epochs 10 --threads 1 --beam 5 --set enc_hidden=192 --set dec_hidden=384
    python benchmarks/bench_translation.py --epochs 7 --threads 1 --beam 5 --set ensemble=2   # two seeds, one decoder
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time


def cpu_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def scores(hyps, refs) -> dict:
    """BLEU and chrF with their sacrebleu signatures (the same numbers as ``translation_metrics``)."""
    import sacrebleu

    bleu, chrf = sacrebleu.BLEU(), sacrebleu.CHRF()
    b, c = bleu.corpus_score(list(hyps), [list(refs)]), chrf.corpus_score(list(hyps), [list(refs)])
    return {"bleu": b.score, "chrf": c.score, "bleu_signature": str(bleu.get_signature()),
            "chrf_signature": str(chrf.get_signature())}


def decode_row(label, model, St, Tt, **kw):
    """One decoding of the test sources: its row (scores, CPU and wall seconds, per sentence too) and outputs."""
    load0, t, c = os.getloadavg()[0], time.perf_counter(), cpu_s()
    hyps = model.translate(St, **kw)
    wall, cpu = time.perf_counter() - t, cpu_s() - c
    return {"model": label, "n": len(St), **scores(hyps, Tt), "decode_wall_s": wall, "decode_cpu_s": cpu,
            "decode_cpu_ms_per_sentence": 1000 * cpu / len(St), "decode_wall_ms_per_sentence": 1000 * wall / len(St),
            "load_start": load0, "load_end": os.getloadavg()[0]}, hyps


def decode_rows(name, model, St, Tt, beam, n, mbr_beam=None):
    """Greedy on all test pairs, beam (the run's default decoding) on the first n, and optionally MBR."""
    rows = []
    row, greedy = decode_row(f"{name} greedy", model, St, Tt, beam=1, decode="beam")
    rows.append(row)
    row, beamed = decode_row(f"{name} beam {beam}, decode {model.config.decode} (the run's default)", model, St[:n],
                             Tt[:n], beam=beam)
    rows.append(row)
    if mbr_beam:
        rows.append(decode_row(f"{name} MBR over the {mbr_beam}-best + glosses", model, St[:n], Tt[:n], beam=mbr_beam,
                               decode="mbr")[0])
    if n < len(St):
        rows.append({"model": f"{name} greedy", "n": n, **scores(greedy[:n], Tt[:n])})
    return rows, greedy, beamed


def run_model(name, cfg, S, T, St, Tt, beam, n, mbr_beam=None):
    """Fit one translator; its rows (:func:`decode_rows`) and its record."""
    from rnnkit.tasks.seq2seq import Translator

    load0, wall0, cpu0 = os.getloadavg(), time.perf_counter(), cpu_s()
    model = Translator(cfg).fit(S, T)
    fit = {"fit_wall_s": time.perf_counter() - wall0, "fit_cpu_s": cpu_s() - cpu0, "load_start": load0,
           "load_end": os.getloadavg(), "epochs": model.history["epochs"], "stop_reason": model.history["stop_reason"],
           "curve": model.history["curve"]}
    rows, greedy, beamed = decode_rows(name, model, St, Tt, beam, n, mbr_beam)
    return model, rows, fit, greedy, beamed


#: ``--override`` (with ``--from-run``): the decoding fields of a loaded run's config.
DECODE_FIELDS = ("derive_words", "split_compounds", "length_penalty", "no_repeat_ngram", "repeat_top", "decode", "beam",
                 "max_decode_ratio", "channel_weight", "channel_length", "channel_lexicon")
#: ``--set``: the fields of the dict-pointer fit with no flag of their own here (``--epochs``, ``--minutes``,
#: ``--beam``, ``--length-penalty``, ``--no-repeat-ngram`` set the others; the model is the dict-pointer).
FIT_FIELDS = ("embed_dim", "enc_hidden", "dec_hidden", "dropout", "word_dropout", "label_smoothing", "min_count",
              "warmup", "batch_size", "lr", "clip", "patience", "val_fraction", "val_max", "max_len", "repeat_top",
              "split_compounds", "derive_words", "average_last", "ensemble", "seed", "lexicon", "gloss_choice",
              "channel_lexicon")


def parse_settings(items, allowed, flag):
    """``{KEY: value}`` from ``KEY=JSON`` strings; a key not in ``allowed``, a missing ``=`` or a value that is
    not JSON is a one-line error naming ``flag`` (the config then checks each value's type and range)."""
    kw = {}
    for item in items:
        key, eq, value = item.partition("=")
        if key not in allowed or not eq:
            raise SystemExit(f"{flag}: expected KEY=JSON with KEY one of {sorted(allowed)}, got {item!r}")
        try:
            kw[key] = json.loads(value)
        except json.JSONDecodeError:
            raise SystemExit(f"{flag}: expected KEY=JSON with a JSON value (a string in double quotes), "
                             f"got {item!r}") from None
    return kw


def load_run(path, overrides):
    """A saved translator with decoding fields of its config replaced (``KEY=JSON`` strings)."""
    import dataclasses

    from rnnkit.tasks.seq2seq import Translator

    kw = parse_settings(overrides, DECODE_FIELDS, "--override")
    model = Translator.load(path)
    if kw:
        model.config = dataclasses.replace(model.config, **kw)
        if model.words is not None:
            model.words.cfg = model.config
    return model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=None, help="wall budget of the dict-pointer fit")
    ap.add_argument("--epochs", type=int, default=30, help="most epochs of the dict-pointer fit")
    ap.add_argument("--char-minutes", type=float, default=0.0, help="also the char model, this wall budget (0: not)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--beam", type=int, default=None,
                    help="beam width (default: 12 with the channel for the dict-pointer with a lexicon, else 5)")
    ap.add_argument("--length-penalty", type=float, default=None, help="beam's alpha (default: the model's)")
    ap.add_argument("--no-repeat-ngram", type=int, default=None, help="dict-pointer (default: the config's)")
    ap.add_argument("--beam-n", type=int, default=None, help="test pairs decoded with beam (default: all)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--run", default=None, help="save the dict-pointer run folder here")
    ap.add_argument("--from-run", default=None, help="train nothing: decode with this saved dict-pointer run")
    ap.add_argument("--override", action="append", default=[], metavar="KEY=JSON",
                    help="with --from-run: a decoding field of the loaded config (repeatable)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON", dest="settings",
                    help="a field of the dict-pointer fit's config, e.g. dec_hidden=384 (repeatable; not with --from-run)")
    ap.add_argument("--mbr-beam", type=int, default=None, help="also an MBR row over this many best outputs")
    ap.add_argument("--out", default="bench_translation.json")
    a = ap.parse_args(argv)

    import torch

    from rnnkit.data.translation import load_trans_de_en
    from rnnkit.tasks.base import split_indices
    from rnnkit.cli.translate import LEXICON_BEAM
    from rnnkit.tasks.seq2seq import Seq2SeqConfig

    torch.set_num_threads(a.threads)
    load0, wall0, cpu0 = os.getloadavg(), time.perf_counter(), cpu_s()
    if a.settings and a.from_run:
        raise SystemExit(f"--set: expected no --from-run (that run's fit is done; --override sets its decoding), "
                         f"got --set {a.settings[0]!r} with --from-run {a.from_run!r}")
    fit_kw = parse_settings(a.settings, FIT_FIELDS, "--set")
    decode = {k: v for k, v in (("length_penalty", a.length_penalty), ("no_repeat_ngram", a.no_repeat_ngram))
              if v is not None}
    fit_kw = {"lexicon": "trans-de-en", **fit_kw}      # the default since session 33 (--set lexicon=null: none)
    # as `rnnkit translate train`: with a lexicon and no --beam, the noisy channel over the 12-best (session 33)
    channel = fit_kw["lexicon"] is not None and a.beam is None
    beam = a.beam if a.beam is not None else LEXICON_BEAM if channel else 5
    configs = {"dict-pointer": Seq2SeqConfig(epochs=a.epochs, beam=beam, **decode, **fit_kw,   # checked before the data
                                             **({"decode": "channel"} if channel else {}),
                                             max_seconds=None if a.minutes is None else a.minutes * 60)}
    pairs = load_trans_de_en()[: a.limit]
    tr, te = split_indices(len(pairs), 0.1, 0)
    S, T = [pairs[i][0] for i in tr], [pairs[i][1] for i in tr]
    St, Tt = [pairs[i][0] for i in te], [pairs[i][1] for i in te]
    n = len(St) if a.beam_n is None else min(a.beam_n, len(St))
    if a.char_minutes:
        configs["char"] = Seq2SeqConfig(model="char", embed_dim=64, dropout=0.1, batch_size=64, epochs=100, beam=a.beam or 5,
                                        **decode, max_seconds=a.char_minutes * 60)
    rows, fits, examples = [], {}, {}
    first = None
    if a.from_run:
        configs = {}
        first = load_run(a.from_run, a.override)
        beam = a.beam if a.beam is not None else first.config.beam
        r, greedy, beamed = decode_rows("dict-pointer (saved run)", first, St, Tt, beam, n, a.mbr_beam)
        rows += r
        examples["dict-pointer"] = {"greedy": greedy[:10], "beam": beamed[:10]}
        fits["dict-pointer (saved run)"] = {"run": a.from_run, "train_pairs": first.history.get("train_pairs"),
                                            "config": {f: getattr(first.config, f) for f in first.config.__dataclass_fields__}}
    for name, cfg in configs.items():
        model, r, fits[name], greedy, beamed = run_model(name, cfg, S, T, St, Tt, cfg.beam, n, a.mbr_beam)
        rows += r
        examples[name] = {"greedy": greedy[:10], "beam": beamed[:10]}
        first = first or model
        if name == "dict-pointer" and a.run:
            model.save(a.run, data={"dataset": "trans-de-en", "limit": a.limit},
                       split={"test": {"rule": "random", "fraction": 0.1, "seed": 0}})
    for bname, b in first.baselines.items():           # fitted on all training pairs, in the first fit
        hyps = b.translate(St)
        rows.append({"model": f"{bname} (baseline)", "n": len(St), **scores(hyps, Tt)})
        if n < len(St):
            rows.append({"model": f"{bname} (baseline)", "n": n, **scores(hyps[:n], Tt[:n])})
    # beside the plain dictionary (the baseline the targets name): the same dictionary with the
    # dict-pointer's glosses for unknown words (case, inflection, compound splitting), all training pairs
    from rnnkit.tasks.seq2seq_words import WordDictionary

    hyps = WordDictionary(split_compounds=True).fit(S, T).translate(St)
    rows.append({"model": "dictionary + compound splitting (not a baseline)", "n": len(St), **scores(hyps, Tt)})
    # the word dictionary given the same external lexicon as the dict-pointer may have (session 33): the installed
    # trans-de-en file's word entries, no line that holds an example sentence used (rnnkit.tasks.seq2seq_dictionary)
    from rnnkit.tasks.seq2seq_dictionary import read_lexicon

    lexicon = read_lexicon("trans-de-en")
    for label, split in (("dictionary + external lexicon (trans-de-en words) for unknown words", False),
                         ("dictionary + external lexicon + compound splitting", True)):
        hyps = WordDictionary(split_compounds=split, lexicon=lexicon).fit(S, T).translate(St)
        rows.append({"model": label, "n": len(St), **scores(hyps, Tt)})
    result = {"rows": rows, "fits": fits,
              "command": "python benchmarks/bench_translation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "command_wall_s": time.perf_counter() - wall0, "command_cpu_s": cpu_s() - cpu0,
              "train_pairs": len(S), "test_pairs": len(St),
              "examples": [{"source": s, "reference": r, **{m: e["beam"][i] for m, e in examples.items()}}
                           for i, (s, r) in enumerate(zip(St[:10], Tt[:10]))],
              "configs": {k: {f: getattr(c, f) for f in c.__dataclass_fields__} for k, c in configs.items()},
              "machine": {"cpu_count": os.cpu_count(), "torch_threads": a.threads, "torch": torch.__version__,
                          "python": platform.python_version(), "loadavg_start": load0, "loadavg_end": os.getloadavg()}}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
    for name, fit in fits.items():
        if "fit_wall_s" not in fit:
            continue
        print(f"{name}: fit {fit['fit_wall_s']:.0f} s wall, {fit['fit_cpu_s']:.0f} s CPU ({fit['stop_reason']}, "
              f"{fit['epochs']} epochs); load average {fit['load_start'][0]:.1f} -> {fit['load_end'][0]:.1f}")
    print("| model | test pairs | BLEU | chrF | decode CPU / wall ms per sentence |\n|---|---|---|---|---|")
    for r in rows:
        per = (f" | {r['decode_cpu_ms_per_sentence']:.1f} / {r['decode_wall_ms_per_sentence']:.1f}"
               if "decode_cpu_s" in r else " | ")
        print(f"| {r['model']} | {r['n']} | {r['bleu']:.2f} | {r['chrf']:.2f}{per} |")
    print(f"BLEU {rows[0]['bleu_signature']}\nchrF {rows[0]['chrf_signature']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
