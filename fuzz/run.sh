#!/usr/bin/env bash
# Builds a libFuzzer target with AddressSanitizer and runs it for a while, keeping any crashing input.
#
#   bash fuzz/run.sh contour-file [SECONDS]      (default 600 s)
#
# Targets: fuzz/<name>.swift, compiled with the sources of the modules it needs in one module (no
# SwiftPM: -sanitize=fuzzer needs its own main). The seed corpus is made here (synthetic contours)
# plus, when present, the first frames of ../shared/data/ivus-pullback, copied into a temporary
# corpus folder (never into the repository). Crashes, leaks and timeouts land in fuzz/findings/<name>/.
# Not part of CI: run by hand, and turn every finding into a regression test with its input.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET [SECONDS]}
seconds=${2:-600}
case "$target" in
    contour-file) sources=(Sources/Meshing/*.swift) ;;
    *) echo "unknown target '$target' (have: contour-file)" >&2; exit 2 ;;
esac
build=.build/fuzz
mkdir -p "$build" "fuzz/findings/$target"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name Fuzz "fuzz/$target.swift" "${sources[@]}" \
    -o "$build/$target" 2> >(grep -v "Cannot export local symbol" >&2)

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 - "$corpus" <<'PY'
import math, os, sys
out = sys.argv[1]
def ring(frame, r, n, sep="\t", close=True):
    rows = [f"{frame}{sep}{3 + r*math.cos(2*math.pi*k/n):.6f}{sep}{3 + r*math.sin(2*math.pi*k/n):.6f}{sep}0.5" for k in range(n)]
    if close: rows.append(rows[0])
    return "\n".join(rows) + "\n"
seeds = {
    "rings-tab": ring(1, 1.0, 40) + ring(2, 2.0, 40),
    "rings-comma-open": "frame,x,y\r\n" + ring(5, 1.5, 12, ",", False).replace("\n", "\r\n") + ring(6, 1.6, 12, ",", False),
    "few-points": ring(1, 1, 3) + ring(2, 2, 3),
}
for name, text in seeds.items():
    open(os.path.join(out, name), "w").write(text)
PY
pullback=../shared/data/ivus-pullback
if [ -d "$pullback" ]; then
    head -n 1002 "$pullback/diastolic_contours.csv" > "$corpus/pullback-lumen"
    paste -d '\n' <(head -n 501 "$pullback/diastolic_contours.csv") <(head -n 501 "$pullback/eem_diastolic_contours.csv") > "$corpus/pullback-interleaved"
fi
"$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="fuzz/findings/$target/" "$corpus"
