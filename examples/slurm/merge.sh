#!/usr/bin/env bash
# PlaqueFEM: merge the shard files of a label-array.sh job into one label file in input order.
# Submit it after the array, as a dependent job that runs only if every task succeeded:
#
#   array=$(sbatch --parsable --array=1-64 --export=ALL,LABEL_INPUT=masks.h5,OUTDIR=$PWD/shards examples/slurm/label-array.sh)
#   sbatch --dependency=afterok:${array%%;*} --export=ALL,SHARDS=64,OUTDIR=$PWD/shards,MERGED=$PWD/labels.h5 examples/slurm/merge.sh
#
# (examples/slurm/submit.sh does both.) Variables:
#   SHARDS     number of array tasks (shard files expected in OUTDIR); required.
#   OUTDIR     folder of the shard files (default: ./shards).
#   MERGED     the merged file (default: $OUTDIR/../labels.h5); replaced if it exists.
#   PLAQUEFEM  the plaquefem binary (default: plaquefem on PATH).
# Fails (and leaves MERGED absent) when a shard file is missing, or when some input of the job is
# in no shard (a task that stopped early): rerun that task (docs/cluster.md), then this script.
#SBATCH --job-name=plaquefem-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=plaquefem-merge-%j.out
set -euo pipefail

: "${SHARDS:?set SHARDS to the number of array tasks}"
PLAQUEFEM=${PLAQUEFEM:-plaquefem}
OUTDIR=${OUTDIR:-shards}
MERGED=${MERGED:-$OUTDIR/../labels.h5}

shopt -s nullglob
files=("$OUTDIR"/shard-*.h5)
if [ "${#files[@]}" -ne "$SHARDS" ]; then
    echo "merge: expected $SHARDS shard files in $OUTDIR, found ${#files[@]}" >&2
    exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$PLAQUEFEM" merge "$MERGED" "${files[@]}" --overwrite 2>"$log" || status=$?
cat "$log" >&2
[ "$status" -eq 0 ] || exit "$status"
# merge only warns about inputs that no shard holds; here that is a failed job.
if grep -q "inputs of the job are in no file" "$log"; then
    rm -f "$MERGED"
    echo "merge: the shards do not cover the job; $MERGED removed" >&2
    exit 1
fi
"$PLAQUEFEM" inspect "$MERGED"
