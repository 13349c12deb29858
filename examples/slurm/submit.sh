#!/usr/bin/env bash
# PlaqueFEM on Slurm in one command: submits label-array.sh as an array of SHARDS tasks and
# merge.sh as a job that starts when every task has succeeded (--dependency=afterok).
#
#   examples/slurm/submit.sh SHARDS CPUS OUTDIR LABEL_INPUT... [-- LABEL_OPTIONS...]
#   examples/slurm/submit.sh 64 4 $PWD/run1 cohort-masks.h5
#   examples/slurm/submit.sh 16 4 $PWD/pullbacks --lumen lumen.csv --eem eem.csv -- --grid-size 512
#
# Writes OUTDIR/shards/shard-<task>.h5, OUTDIR/labels.h5 and the Slurm logs in OUTDIR/logs.
# PLAQUEFEM (default: plaquefem on PATH) names the binary; further sbatch options (partition,
# account, --mem, --time) go in SBATCH_OPTIONS, e.g. SBATCH_OPTIONS="--partition=cpu --time=02:00:00".
# Prints the two job ids.
set -euo pipefail

if [ $# -lt 4 ]; then
    sed -n '2,13p' "$0" >&2
    exit 2
fi
shards=$1 cpus=$2 outdir=$3
shift 3
input=() options=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do input+=("$1"); shift; done
[ $# -gt 0 ] && shift
options=("$@")

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$outdir/shards" "$outdir/logs"
outdir=$(cd "$outdir" && pwd)
export LABEL_INPUT="${input[*]}" LABEL_OPTIONS="${options[*]}" OUTDIR="$outdir/shards" SHARDS="$shards" MERGED="$outdir/labels.h5"
export PLAQUEFEM=${PLAQUEFEM:-$(command -v plaquefem || echo plaquefem)}

# shellcheck disable=SC2086 # SBATCH_OPTIONS is a word list
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array="1-$shards" --cpus-per-task="$cpus" \
    --output="$outdir/logs/label-%A_%a.out" --export=ALL "$here/label-array.sh")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$outdir/logs/merge-%j.out" --export=ALL "$here/merge.sh")
merge=${merge%%;*}
echo "label array job $array ($shards tasks), merge job $merge (after all tasks succeed) -> $outdir/labels.h5"
