#!/usr/bin/env bash
# Builds libFuzzer targets with AddressSanitizer and runs them for a while, keeping any crashing input.
#
#   bash fuzz/run.sh TARGET [SECONDS]      one target (default 600 s)
#   bash fuzz/run.sh all [SECONDS]         every target in turn, SECONDS each
#   bash fuzz/run.sh TARGET build          build only (prints the binary's path)
#   bash fuzz/run.sh TARGET replay FILE... run the target once on each FILE (e.g. a finding)
#
# Targets: fuzz/<name>.swift. The library modules a target needs are compiled here with swiftc
# (no SwiftPM: -sanitize=fuzzer needs its own main), one module at a time into .build/fuzz/modules
# with coverage instrumentation and ASan, and rebuilt only when a source file changed; the target
# file (plus, for hdf5-mask, the command line's mask readers) is compiled against them and linked
# with the C libraries. The seed corpus is made in a temporary folder from the repository's own
# files (data/, meshes/) and files written here (python3 with numpy and h5py when present);
# nothing is copied into the repository. Crashes, leaks and timeouts land in fuzz/findings/<name>/.
# Not part of CI: run by hand, and turn every finding into a regression test with its input.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
targets=(contour-file png-mask npy-mask hdf5-mask label-file label-layout model-file waveform-csv gmsh)
target=${1:?usage: fuzz/run.sh TARGET|all [SECONDS|build|replay FILE...] (targets: ${targets[*]})}
shift
if [ "$target" = all ]; then
    for t in "${targets[@]}"; do bash "$0" "$t" "$@"; done
    exit 0
fi

# Modules each target needs (in dependency order) and extra CLI sources compiled with the target.
extra=()
case "$target" in
    contour-file|gmsh) modules=(Meshing) ;;
    png-mask|npy-mask) modules=(Raster) ;;
    waveform-csv) modules=(Meshing Sparse FEM) ;;
    model-file) modules=(Raster Storage NeuralKernels Neural Learning) ;;
    label-file|label-layout) modules=(Meshing Sparse FEM Raster Labeling Storage Datasets) ;;
    hdf5-mask)
        modules=(Meshing Sparse FEM Raster Labeling Storage Datasets NeuralKernels Neural Learning)
        extra=(Sources/PlaqueFEMCLI/MaskInput.swift Sources/PlaqueFEMCLI/MaskDataset.swift) ;;
    *) echo "unknown target '$target' (have: ${targets[*]})" >&2; exit 2 ;;
esac

build=.build/fuzz
mods=$build/modules
mkdir -p "$mods" "$build/CHDF5" "fuzz/findings/$target"
flags=(-O -sanitize=fuzzer,address -parse-as-library)
# System libraries: their module maps (with link lines) live in Sources/C*/; CHDF5 is a C target,
# so it gets a module map here and its shim is compiled with clang.
includes=(-I "$mods" -I Sources/CPNG -I Sources/COpenBLAS -I Sources/CSuiteSparse -I Sources/CMUMPS -I Sources/CCPUFeatures -I "$build/CHDF5")
cat > "$build/CHDF5/module.modulemap" <<EOF
module CHDF5 {
    header "$root/Sources/CHDF5/include/CHDF5.h"
    link "hdf5_serial"
    export *
}
EOF
quiet() { grep -v "Cannot export local symbol" >&2 || true; }

objects=()
links=()
for module in "${modules[@]}"; do
    object=$mods/$module.o
    if [ ! -f "$object" ] || [ -n "$(find "Sources/$module" -newer "$object" -name '*.swift' | head -n 1)" ]; then
        echo "fuzz: compiling module $module" >&2
        # NeuralKernels is built for AVX2 + FMA as in Package.swift (Neural checks the CPU at run time).
        module_flags=()
        if [ "$module" = NeuralKernels ] && [ "$(uname -m)" = x86_64 ]; then module_flags=(-target-cpu haswell); fi
        swiftc "${flags[@]}" "${module_flags[@]}" -wmo -module-name "$module" "${includes[@]}" -emit-module -emit-module-path "$mods/$module.swiftmodule" \
            -c Sources/"$module"/*.swift -o "$object"
    fi
    objects+=("$object")
    case "$module" in
        Raster) links+=(-lpng16 -lz) ;;
        Sparse) links+=(-lcholmod -lumfpack -lsuitesparseconfig -ldmumps_seq -lmumps_common_seq -lmpiseq_seq -lpord_seq -lopenblas) ;;
        Neural) links+=(-lopenblas) ;;
        Storage)
            if [ ! -f "$mods/chdf5_shim.o" ] || [ Sources/CHDF5/shim.c -nt "$mods/chdf5_shim.o" ]; then
                clang -O1 -fsanitize=address -I Sources/CHDF5/include -c Sources/CHDF5/shim.c -o "$mods/chdf5_shim.o"
            fi
            objects+=("$mods/chdf5_shim.o")
            links+=(-lhdf5_serial) ;;
    esac
done
binary=$build/$target
if [ ! -f "$binary" ] || [ -n "$(find "fuzz/$target.swift" "${objects[@]}" "${extra[@]}" -newer "$binary" | head -n 1)" ]; then
    echo "fuzz: linking $binary" >&2
    swiftc "${flags[@]}" -module-name Fuzz "${includes[@]}" "fuzz/$target.swift" "${extra[@]}" "${objects[@]}" "${links[@]}" \
        -o "$binary" 2> >(quiet)
fi

mode=${1:-600}
if [ "$mode" = build ]; then echo "$binary"; exit 0; fi
# A huge allocation returns NULL as glibc's malloc would (libhdf5 allocates sizes read from the file
# and handles NULL; ASan would report it as a crash by default). Swift's own allocations still trap
# on NULL, so too-big requests from our code are still findings. See fuzz/lsan.supp for the leaks
# that are not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/fuzz/lsan.supp}
if [ "$mode" = replay ]; then shift; exec "$binary" -runs=1 "$@"; fi
seconds=$mode

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Seeds: what the target reads, made or taken from the repository.
case "$target" in
contour-file)
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
    fi ;;
png-mask)
    # The shipped phantom masks (64 x 64, 8-bit RGB) and stress pictures, plus small PNGs of other
    # colour types and bit depths when Python's zlib is there (it always is).
    cp data/phantoms/masks/phantom-0000[0-3].png "$corpus/"
    cp data/phantoms/stress/00000-phantoms-24-stress.png "$corpus/"
    python3 - "$corpus" <<'PY'
import os, struct, sys, zlib
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
def png(width, height, depth, colour, row, extra=b""):
    raw = b"".join(b"\x00" + row(y) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
ring = lambda y, w: bytes(255 if 3 <= abs(x - w // 2) + abs(y - w // 2) <= 6 else 0 for x in range(w))
seeds = {
    "gray8.png": png(16, 16, 8, 0, lambda y: ring(y, 16)),
    "gray1.png": png(16, 16, 1, 0, lambda y: bytes([0b10101010, 0b01010101])),
    "gray16.png": png(8, 8, 16, 0, lambda y: b"".join(struct.pack(">H", 65535 * (x == y)) for x in range(8))),
    "rgba8.png": png(8, 8, 8, 6, lambda y: bytes([255, 0, 0, 128] * 8)),
    "palette.png": png(8, 8, 8, 3, lambda y: bytes([y % 2] * 8), chunk(b"PLTE", bytes([0, 0, 0, 255, 255, 255]))),
    "graya16.png": png(4, 4, 16, 4, lambda y: bytes([0, 255, 255, 255] * 4)),
    "interlaced-header.png": png(8, 8, 8, 0, lambda y: bytes(8)).replace(b"\x08\x00\x00\x00\x00", b"\x08\x00\x00\x00\x01", 1),
}
for name, data in seeds.items():
    open(os.path.join(out, name), "wb").write(data)
PY
    ;;
npy-mask)
    python3 - "$corpus" <<'PY'
import os, struct, sys
out = sys.argv[1]
def npy(descr, shape, data, version=1, fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, repr(tuple(shape)))
    size_bytes = 2 if version == 1 else 4
    pad = (64 - (10 + (size_bytes - 2) + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    size = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode("latin1") + data
ring = bytes(1 if 2 <= abs(x - 4) + abs(y - 4) <= 3 else 0 for y in range(9) for x in range(9))
seeds = {
    "u1-2d.npy": npy("|u1", (9, 9), ring),
    "b1-2d.npy": npy("|b1", (9, 9), ring),
    "u1-3d.npy": npy("|u1", (2, 9, 9), ring + ring),
    "f4-2d.npy": npy("<f4", (9, 9), b"".join(struct.pack("<f", v) for v in ring)),
    "f8-fortran.npy": npy("<f8", (9, 9), b"".join(struct.pack("<d", v) for v in ring), fortran=True),
    "i8-big.npy": npy(">i8", (3, 3), b"".join(struct.pack(">q", v) for v in ring[:9])),
    "i2-v2.npy": npy("<i2", (9, 9), b"".join(struct.pack("<h", v) for v in ring), version=2),
    "u1-empty.npy": npy("|u1", (0, 9, 9), b""),
}
for name, data in seeds.items():
    open(os.path.join(out, name), "wb").write(data)
PY
    ;;
hdf5-mask|label-file|model-file)
    cp data/phantoms/phantoms-24.h5 "$corpus/" 2>/dev/null || true
    [ "$target" = model-file ] || cp data/phantoms/labels-24.h5 "$corpus/"
    # Small files of each kind (h5py): a few masks, a two-row label file cut from labels-24.h5,
    # and model files of the VAE and the classifier with the attributes ModelFile checks.
    python3 - "$corpus" "$target" <<'PY' || echo "fuzz: h5py seeds skipped" >&2
import os, sys
import numpy as np, h5py
out, target = sys.argv[1], sys.argv[2]
ring = np.fromfunction(lambda y, x: ((abs(x - 8) + abs(y - 8)) >= 3) & ((abs(x - 8) + abs(y - 8)) <= 6), (16, 16)).astype(np.uint8)
with h5py.File(os.path.join(out, "masks-u8.h5"), "w") as f:
    f["masks"] = np.stack([ring, ring.T])
    f.attrs["pixel_size_mm"] = 0.125
with h5py.File(os.path.join(out, "masks-f4-chunked.h5"), "w") as f:
    f.create_dataset("masks", data=np.stack([ring]).astype(np.float32), chunks=(1, 8, 8), compression="gzip", shuffle=True)
with h5py.File("data/phantoms/labels-24.h5", "r") as src, h5py.File(os.path.join(out, "labels-2.h5"), "w") as dst:
    for key, value in src.attrs.items(): dst.attrs[key] = value
    dst.attrs["committed_rows"] = np.int64(2)
    def copy(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj[:2] if obj.shape and obj.shape[0] >= 2 else obj[()]
            maxshape = (None,) + obj.shape[1:] if obj.shape else None
            d = dst.create_dataset(name, data=data, maxshape=maxshape, chunks=True if obj.shape else None)
        else:
            d = dst.require_group(name)
        for key, value in obj.attrs.items(): d.attrs[key] = value
    src.visititems(copy)
def model(name, kind, architecture, tensors):
    with h5py.File(os.path.join(out, name), "w") as f:
        f.attrs["format"] = "plaquefem-model"; f.attrs["format_version"] = np.int64(1)
        f.attrs["model_kind"] = kind; f.attrs["software_version"] = "fuzz-seed"
        for key, value in architecture.items(): f.attrs["architecture_" + key] = np.int64(value)
        for key, shape in tensors.items(): f[key.replace(".", "/")] = np.zeros(shape, np.float32)
if target != "label-file":
    model("vae-tiny.h5", "vae", {"image_height": 4, "image_width": 4, "latent_dimension": 2, "hidden_size": 3},
          {"encoder.0.weight": (3, 16), "encoder.0.bias": (3,)})
    model("surrogate-stub.h5", "surrogate", {"image_size": 64}, {"stub.weight": (2, 2)})
    model("classifier-stub.h5", "classifier", {}, {"fc.weight": (10, 2)})
PY
    ;;
label-layout)
    # The choices start from zeros (every dataset present with the expected shapes) and from a few
    # random byte strings.
    head -c 64 /dev/zero > "$corpus/zeros"
    python3 - "$corpus" <<'PY2'
import random, sys
for k in range(1, 5):
    random.seed(k)
    open(sys.argv[1] + f"/random-{k}", "wb").write(bytes(random.randrange(256) for _ in range(64 * k)))
PY2
    ;;
waveform-csv)
    cp data/waveforms/physiological.csv "$corpus/"
    printf 'time_s;pressure_mmHg\n0;80\n0.4;120\n0.8;80\n' > "$corpus/semicolon.csv"
    printf '# comment\n\n0 80\n0.1\t100\n1e-1 1.2e2\r\n' > "$corpus/mixed.csv" ;;
gmsh)
    cp meshes/ring-coarse.msh "$corpus/"
    # The smallest mesh the reader accepts: a quadratic triangle strip is written by `plaquefem mesh`;
    # a hand-made two-triangle file keeps mutations cheap.
    cat > "$corpus/two-triangles.msh" <<'MSH'
$MeshFormat
4.1 0 8
$EndMeshFormat
$PhysicalNames
3
1 1 "lumen"
1 2 "outer"
2 3 "wall"
$EndPhysicalNames
$Entities
0 2 1 0
1 0 0 0 1 1 0 1 1 0
2 0 0 0 1 1 0 1 2 0
1 0 0 0 1 1 0 1 3 0
$EndEntities
$Nodes
1 4 1 4
2 1 0 4
1
2
3
4
0 0 0
1 0 0
1 1 0
0 1 0
$EndNodes
$Elements
3 4 1 4
1 1 1 1
1 1 2
1 2 1 1
2 3 4
2 1 2 2
3 1 2 3
4 1 3 4
$EndElements
MSH
    ;;
esac
echo "fuzz: $target for ${seconds}s, $(ls "$corpus" | wc -l) seeds" >&2
# A run stops at its first crash, hang or leak. FUZZ_FORK=1 goes on after each instead (fork mode,
# one job), keeping every input to sort by stack afterwards: that is how the libhdf5 global-heap
# bugs were collected before strings were read by our checked reader (docs/reliability.md, note 4).
extra_flags=()
if [ "${FUZZ_FORK:-0}" = 1 ]; then extra_flags=(-fork=1 -ignore_timeouts=1 -ignore_crashes=1); fi
# FUZZ_TIMEOUT (seconds per input, default 10): raise it on a machine loaded by other work, where a
# normal input can take longer than 10 s of wall time. A single huge malloc is not a finding by
# itself (libhdf5 asks for the sizes a damaged header claims, 7.8 GB for one 67 KB input; glibc
# serves that lazily or returns NULL, and libhdf5 then fails cleanly), so -malloc_limit_mb is set
# far above -rss_limit_mb, which still catches memory actually used.
"$binary" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -malloc_limit_mb=1000000 "${extra_flags[@]}" -artifact_prefix="fuzz/findings/$target/" "$corpus"
