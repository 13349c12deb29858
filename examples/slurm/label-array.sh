#!/usr/bin/env bash
# PlaqueFEM labeling as a Slurm array job: one shard of the job per array task, one label file per
# shard, merged afterwards by merge.sh (submit.sh submits both). See docs/cluster.md.
#
#   sbatch --array=1-64 --export=ALL,LABEL_INPUT=cohort-masks.h5,OUTDIR=$PWD/shards examples/slurm/label-array.sh
#
# Variables (environment, e.g. through sbatch --export=ALL,NAME=value,...):
#   LABEL_INPUT    what `plaquefem label` labels: mask files ("masks.h5", "a.h5 b.h5") or contour
#                  files ("--lumen lumen.csv --eem eem.csv"); split on spaces (no spaces in paths).
#                  Required.
#   OUTDIR         folder of the shard files shard-<task id>.h5 (default: ./shards); must be on a
#                  file system every node sees.
#   PLAQUEFEM      the plaquefem binary (default: plaquefem on PATH), e.g. $PWD/.build/release/plaquefem
#   LABEL_OPTIONS  further `label` options, the same for every task (e.g. "--grid-size 512 --stress von-mises").
#   PLAQUEFEM_SHARD  K/N to label shard K of N whatever the array says (re-running one shard with
#                  a new one-task array, see docs/cluster.md); default: auto (from the array task).
#
# The array: --array=MIN-MAX[:STEP] (any evenly spaced range, e.g. 1-64, 0-63, 1-64%16); N = the
# number of tasks, shard K = (task id - MIN) / STEP + 1. Every task of one job must use the same
# inputs and options: `plaquefem merge` refuses shards of different jobs.
#
# Resources per task: --cpus-per-task is passed to `label --jobs` (one FEM solve per CPU). Measured
# (docs/labeling.md, docs/cluster.md): 0.044 s per 64x64 mask and 0.1-0.2 s per contour frame on one
# CPU, under 200 MB per process plus about 7 KB per 64x64 mask of the whole job's mask input (every
# task reads all inputs). --time=00:30:00 is twice the time of about 18,000 contour frames at 0.2 s
# or 80,000 64x64 masks per task at 4 CPUs; --mem=1G holds up to about 100,000 64x64 or 1,800
# 512x512 input masks. Adjust on the sbatch command line (it overrides these lines).
#SBATCH --job-name=plaquefem-label
#SBATCH --array=1-4
#SBATCH --cpus-per-task=4
#SBATCH --mem=1G
#SBATCH --time=00:30:00
#SBATCH --output=plaquefem-label-%A_%a.out
#SBATCH --requeue
set -euo pipefail

: "${LABEL_INPUT:?set LABEL_INPUT to the masks or --lumen/--eem files to label}"
PLAQUEFEM=${PLAQUEFEM:-plaquefem}
OUTDIR=${OUTDIR:-shards}
LABEL_OPTIONS=${LABEL_OPTIONS:-}
SHARD=${PLAQUEFEM_SHARD:-auto}
JOBS=${SLURM_CPUS_PER_TASK:-1}
# --jobs is at most 64.
[ "$JOBS" -le 64 ] || JOBS=64

if [ "$SHARD" = auto ] && [ "${SLURM_ARRAY_TASK_COUNT:-}" = 1 ] && [ "${SLURM_ARRAY_TASK_ID:-0}" -gt 1 ]; then
    echo "a rerun of task $SLURM_ARRAY_TASK_ID alone: set PLAQUEFEM_SHARD=$SLURM_ARRAY_TASK_ID/N (N = the original array's size), see docs/cluster.md" >&2
    exit 2
fi
mkdir -p "$OUTDIR"
# Named by the array task: rerunning the same task resumes the same file (committed rows are kept).
output="$OUTDIR/shard-${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array}.h5"
echo "task ${SLURM_ARRAY_JOB_ID:-?}_${SLURM_ARRAY_TASK_ID} on $(hostname): $JOBS jobs, shard $SHARD -> $output"

# shellcheck disable=SC2086 # LABEL_INPUT and LABEL_OPTIONS are word lists
exec "$PLAQUEFEM" label $LABEL_INPUT $LABEL_OPTIONS --shard "$SHARD" --jobs "$JOBS" --output "$output"
