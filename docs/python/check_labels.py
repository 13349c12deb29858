"""Reads a `plaquefem label` output file with h5py and checks it (used by the test suite).

    python3 docs/python/check_labels.py labels.h5

Everything is a plain NumPy array; strings come back as Python str.
"""
import sys

import h5py
import numpy as np


def check(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "plaquefem-labels", f.attrs["format"]
        assert isinstance(f.attrs["software_version"], str)
        masks = f["masks"][:]           # uint8 (N, H, W), 1 = wall
        stress = f["stress"][:]         # float32 (N, H, W), kPa
        status = f["status"][:]         # int32 (N,), 0 = labeled
        reasons = [r.decode() if isinstance(r, bytes) else r for r in f["failure_reason"].asstr()[:]]
        n = masks.shape[0]
        # Format 2: the rows a killed run is guaranteed to hold, and each row's input in the job.
        assert f.attrs["format_version"] == 2, f.attrs["format_version"]
        assert f.attrs["committed_rows"] == n, (f.attrs["committed_rows"], n)
        index = f["input_index"][:]
        assert index.dtype == np.int64 and index.shape == (n,) and np.all(np.diff(index) > 0), index
        assert masks.dtype == np.uint8 and masks.ndim == 3, (masks.dtype, masks.shape)
        assert stress.dtype == np.float32 and stress.shape == masks.shape, (stress.dtype, stress.shape)
        assert status.dtype == np.int32 and status.shape == (n,), (status.dtype, status.shape)
        assert len(reasons) == n
        assert f["stress"].attrs["units"] == "kPa"
        assert f["stress"].attrs["quantity"] in ("max-principal", "von-mises")
        meta = f["meta"].attrs
        assert meta["pixel_size_mm"] > 0 and meta["c1_kpa"] > 0 and meta["systolic_pressure_mmhg"] > 0
        for k in range(n):
            if status[k] == 0:
                assert reasons[k] == "", reasons[k]
                assert np.all(stress[k][masks[k] == 0] == 0), "stress outside the wall"
                assert stress[k][masks[k] == 1].max() > 0, "no tensile stress in the wall"
                assert np.isfinite(stress[k]).all()
            else:
                assert reasons[k] != "", f"row {k} failed without a reason"
        labeled = int((status == 0).sum())
        print(f"labels file OK: {n} rows, {labeled} labeled, peak {stress.max():.1f} kPa")


if __name__ == "__main__":
    check(sys.argv[1])
