#!/usr/bin/env bash
# Distillation on one CUDA GPU: fine-tune the MPNet teacher, measure it, teach the student.
#
#   benchmarks/gpu_distil.sh OUT_DIR
#
# In one command, bounded by time:
#   1. join the teacher's base (all-mpnet-base-v2 as int8 rows, sent in parts by
#      benchmarks/gpu_pack.py --teacher) into a base folder;
#   2. fine-tune it on the mix with our labels and heads (`unstrip train --base`: both
#      profiles, casing head, the shipped model's label inventories) for TEACHER_MINUTES;
#   3. measure it on the tune sets (IWSLT dev2012 blocks 1-5, the first MEASURE_LIMIT
#      documents of each family's tune half: python -m unstrip.train.distil, PyTorch on
#      the GPU, the decoder's default settings) into OUT_DIR/teacher-figures.json;
#   4. train the student from the shipped network (or STUDENT_INIT; STUDENT_LAYERS keeps
#      some of its layers) on the gold labels and the teacher's soft targets, computed
#      on every batch (`unstrip train --teacher`), for STUDENT_MINUTES;
#   5. measure the student and the shipped network the same way into OUT_DIR/figures.json;
#   6. write the student's weights into OUT_DIR as float16 parts of at most 15 MiB with
#      its config.json and labels.json (benchmarks/gpu_weights.py pack; export them here
#      with `gpu_weights.py unpack` and `python -m unstrip.train.export --int8`), and both
#      runs' logs (logs.txt). Eight files, about 46 MB: what a device command returns.
#
# What a device command carries is limited (64 MiB with the repository), so the data
# goes ahead in earlier commands on the same machine (`python benchmarks/gpu_pack.py
# --teacher` prints which paths each carries), each run within 30 s of the last:
#   PREPARE=stage  only list what has arrived (the teacher's parts, a few a command);
#   PREPARE=data   install the wheels into .gpu/site and encode the carried corpus into
#                  the teacher's run directory (.gpu/runs/teacher), so the run spends its
#                  minutes training.
# Both are done by the run itself where they were not. Runs live in RUNS (default
# .gpu/runs, git-ignored, kept on the machine between commands); rerunning resumes them.
#
# Settings by environment: DEVICE (auto), TEACHER_MINUTES (3.5), TEACHER_BATCH (128),
# TEACHER_LR (1e-4), STUDENT_MINUTES (3), STUDENT_BATCH (256), STUDENT_LR (1e-4),
# STUDENT_INIT (src/unstrip/data/model), STUDENT_LAYERS (e.g. 0,2,4,5; default all),
# TEMPERATURE (2), SOFT_WEIGHT (0.5), HARD_WEIGHT (0.5), WINDOW (256), WORKERS (the CPU
# count), MEASURE (teacher,student,shipped; empty: none), MEASURE_LIMIT (documents a
# family, default 20; court has 14, about 135,000 words), CORPUS (default .gpu/corpora/*.jsonl.*), TEACHER_BASE (a base folder instead
# of the parts), GPU_DIR (where gpu_pack.py wrote, default .gpu), EXTRA (more options
# for both runs). The test suite runs the CPU path
# with one step each (tests/test_distil.py).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
gpu=${GPU_DIR:-$here/.gpu}
runs=${RUNS:-$gpu/runs}
export PYTHONPATH="$here/src:$gpu/site${PYTHONPATH:+:$PYTHONPATH}"

if [ "${PREPARE:-}" = stage ]; then
  ls -l "$gpu/teacher" 2>/dev/null | sed 's/^/  /' || echo "nothing staged in $gpu/teacher"
  exit 0
fi

install_wheels() {
  if [ -d "$gpu/wheels" ] && [ ! -e "$gpu/site/.done" ]; then
    "$python" -m pip install -q --no-index --no-deps --target "$gpu/site" "$gpu"/wheels/*.whl
    touch "$gpu/site/.done"
  fi
}

if [ -n "${CORPUS:-}" ]; then
  read -r -a corpora <<< "$CORPUS"
else
  corpora=("$gpu"/corpora/*.jsonl.*)
fi
# Options that decide the encoded data: the same in every run here, so each finds the cache.
data_opts=(--window "${WINDOW:-256}" --mix all --profiles seed,lower --case-head
           --workers "${WORKERS:-$(nproc)}" --device "${DEVICE:-auto}")
run_opts=(--max-steps 1000000 --time-schedule --warmup 0.06 --eval-every 1000000
          --save-every 1000000 --dev-docs 0 --no-progress)
teacher_run=$runs/teacher
student_run=$runs/student
mkdir -p "$teacher_run" "$student_run"
# The teacher learns the shipped inventories, so the student (started from the
# shipped network) and the teacher share their heads' labels.
shipped=$here/src/unstrip/data/model
[ -f "$teacher_run/labels.json" ] || cp "$shipped/labels.json" "$teacher_run/labels.json"

if [ "${PREPARE:-}" = data ]; then
  install_wheels
  start=$(date +%s)
  "$python" -m unstrip.train "${corpora[@]}" --out "$teacher_run" "${data_opts[@]}" \
    --prepare-only --no-progress
  echo "data encoded in $(( $(date +%s) - start )) s into $teacher_run"
  exit 0
fi

out=${1:?usage: benchmarks/gpu_distil.sh OUT_DIR (or PREPARE=stage|data)}
mkdir -p "$out"
install_wheels
start=$(date +%s)
base=${TEACHER_BASE:-$runs/teacher-base}
if [ -z "${TEACHER_BASE:-}" ] && [ ! -f "$base/model.int8.safetensors" ]; then
  "$python" "$here/benchmarks/gpu_weights.py" join "$gpu/teacher" "$base/model.int8.safetensors"
  cp "$gpu"/teacher/meta/*.json "$gpu"/teacher/meta/vocab.txt "$base/"
fi

# shellcheck disable=SC2086
"$python" -m unstrip.train "${corpora[@]}" --out "$teacher_run" --base "$base" \
  "${data_opts[@]}" "${run_opts[@]}" --batch-size "${TEACHER_BATCH:-128}" \
  --lr "${TEACHER_LR:-1e-4}" --max-minutes "${TEACHER_MINUTES:-3.5}" ${EXTRA:-}
echo "teacher trained at $(( $(date +%s) - start )) s"

tsv=$gpu/eval/dev2012.tsv
docs=$gpu/eval/tune.jsonl.xz
IFS=, read -r -a which <<< "${MEASURE-teacher,student,shipped}"
measure() {  # measure FILE NAME DIR [NAME DIR]: figures of the NAMEs that MEASURE lists
  local file=$1 wanted=()
  shift
  while [ $# -gt 0 ]; do
    case " ${which[*]} " in *" $1 "*) wanted+=("$2") ;; esac
    shift 2
  done
  [ ${#wanted[@]} -gt 0 ] && { [ -f "$tsv" ] || [ -f "$docs" ]; } || return 0
  local where=()
  [ -f "$tsv" ] && where+=(--iwslt "$tsv")
  [ -f "$docs" ] && where+=(--docs "$docs")
  [ -n "${MEASURE_LIMIT-20}" ] && where+=(--limit "${MEASURE_LIMIT-20}")
  "$python" -m unstrip.train.distil "${wanted[@]}" "${where[@]}" --device "${DEVICE:-auto}" \
    > "$file"
  echo "measured at $(( $(date +%s) - start )) s: $file"
}
measure "$out/teacher-figures.json" teacher "$teacher_run"

# The student reads the same windows: give it the teacher's cache instead of encoding.
for f in "$teacher_run"/cache-*.npz; do
  [ -e "$student_run/$(basename "$f")" ] || ln "$f" "$student_run/" 2>/dev/null \
    || cp "$f" "$student_run/"
done
layers=()
[ -n "${STUDENT_LAYERS:-}" ] && layers=(--student-layers "$STUDENT_LAYERS")
# shellcheck disable=SC2086
"$python" -m unstrip.train "${corpora[@]}" --out "$student_run" \
  --init-from "${STUDENT_INIT:-$shipped}" "${layers[@]}" --teacher "$teacher_run" \
  --temperature "${TEMPERATURE:-2}" --soft-weight "${SOFT_WEIGHT:-0.5}" \
  --hard-weight "${HARD_WEIGHT:-0.5}" "${data_opts[@]}" "${run_opts[@]}" \
  --batch-size "${STUDENT_BATCH:-256}" --lr "${STUDENT_LR:-1e-4}" \
  --max-minutes "${STUDENT_MINUTES:-3}" ${EXTRA:-}
echo "student trained at $(( $(date +%s) - start )) s"
measure "$out/figures.json" student "$student_run" shipped "$shipped"

"$python" "$here/benchmarks/gpu_weights.py" pack "$student_run" "$out"
{ echo "# $teacher_run/log.jsonl"; cat "$teacher_run/log.jsonl"
  echo "# $student_run/log.jsonl"; cat "$student_run/log.jsonl"; } > "$out/logs.txt"
echo "done in $(( $(date +%s) - start )) s: the student's weights in $out"
