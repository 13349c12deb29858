import Foundation
import Storage
import Testing

/// Writes a file with every element type, attributes, an appended compressed dataset and a
/// string dataset, then checks it with h5py: shapes, dtypes, values, and that string
/// attributes come back as `str`.
///
/// Needs `python3` with h5py (`pip install h5py`). Without it the test fails, unless the
/// environment variable PLAQUEFEM_SKIP_PYTHON=1 is set, which skips it.
@Suite struct PythonInteroperabilityTests {
    static let skipped = ProcessInfo.processInfo.environment["PLAQUEFEM_SKIP_PYTHON"] == "1"

    static let script = #"""
import sys
import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    def check(name, dtype, shape, expected):
        d = f[name]
        assert d.dtype == np.dtype(dtype), f"{name}: dtype {d.dtype} != {dtype}"
        assert d.shape == shape, f"{name}: shape {d.shape} != {shape}"
        values = d[()]
        assert isinstance(values, np.ndarray), f"{name}: {type(values)}"
        assert np.array_equal(values, expected), f"{name}: values {values!r} != {expected!r}"

    check("uint8", "uint8", (2, 3), np.arange(6, dtype=np.uint8).reshape(2, 3))
    check("int32", "int32", (2, 2, 2), (np.arange(8, dtype=np.int32) - 4).reshape(2, 2, 2))
    check("int64", "int64", (3,), np.array([-(2**40), 0, 2**40], dtype=np.int64))
    check("float32", "float32", (1, 2, 2, 2), (np.arange(8, dtype=np.float32) / 4).reshape(1, 2, 2, 2))
    check("float64", "float64", (2, 2), np.array([[np.pi, -1.5], [1e300, 0.0]]))

    stress = f["results/stress"]
    rows = 11
    expected = (np.arange(rows * 4 * 5, dtype=np.float32) * 0.5).reshape(rows, 4, 5)
    check("results/stress", "float32", (rows, 4, 5), expected)
    assert stress.maxshape == (None, 4, 5), stress.maxshape
    assert stress.chunks == (4, 4, 5), stress.chunks
    assert stress.compression == "gzip" and stress.compression_opts == 6, stress.compression
    assert stress.shuffle, "shuffle filter missing"
    assert np.array_equal(stress[3:7], expected[3:7])
    assert stress.attrs["units"] == "kPa" and isinstance(stress.attrs["units"], str)

    reasons = f["results/failure_reason"]
    assert reasons.shape == (5,), reasons.shape
    assert h5py.check_string_dtype(reasons.dtype).encoding == "utf-8"
    assert list(reasons.asstr()[()]) == ["", "mesh failed", "", "Newton ✗", ""], list(reasons.asstr()[()])
    assert reasons.maxshape == (None,)

    attrs = f.attrs
    assert isinstance(attrs["format"], str) and attrs["format"] == "plaquefem-dataset", attrs["format"]
    assert isinstance(attrs["title"], str) and attrs["title"] == "Stress – σ ✓", attrs["title"]
    assert attrs["version"] == 3 and attrs["version"].dtype == np.int64, repr(attrs["version"])
    assert attrs["pixel_size"] == 0.05 and attrs["pixel_size"].dtype == np.float64
    assert np.array_equal(attrs["seeds"], np.array([1, 2, 3], dtype=np.int64)) and attrs["seeds"].dtype == np.int64
    assert np.array_equal(attrs["weights"], [0.25, 0.75]) and attrs["weights"].dtype == np.float64
    assert [str(s) for s in attrs["names"]] == ["masks", "stress"], attrs["names"]
    assert all(isinstance(s, str) for s in attrs["names"])

    meta = f["meta"]
    assert meta.attrs["youngs_modulus_units"] == "kPa"
    assert meta.attrs["youngs_modulus"] == 600.0
print("h5py check passed")
"""#

    @Test(.disabled(if: skipped, "PLAQUEFEM_SKIP_PYTHON=1"))
    func h5pyReadsEverything() throws {
        guard let python = try pythonWithH5py() else { return }

        let path = TestFiles.path("python")
        defer { TestFiles.remove(path) }
        try writeSampleFile(path)
        let result = try runProcess(python, ["-c", Self.script, path])
        #expect(result.status == 0, "h5py check failed:\n\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("h5py check passed"))
    }

    private func writeSampleFile(_ path: String) throws {
        let file = try HDF5File.create(at: path)
        try file.createDataset("uint8", elementType: UInt8.self, shape: [2, 3]).write((0..<6).map { UInt8($0) })
        try file.createDataset("int32", elementType: Int32.self, shape: [2, 2, 2]).write((0..<8).map { Int32($0) - 4 })
        try file.createDataset("int64", elementType: Int64.self, shape: [3]).write([Int64(-(1 << 40)), 0, 1 << 40])
        try file.createDataset("float32", elementType: Float.self, shape: [1, 2, 2, 2], compression: .deflate())
            .write((0..<8).map { Float($0) / 4 })
        try file.createDataset("float64", elementType: Double.self, shape: [2, 2]).write([.pi, -1.5, 1e300, 0])

        let results = try file.createGroup("results")
        let stress = try results.createDataset(
            "stress", elementType: Float.self, shape: [0, 4, 5], maximumRows: .unlimited, chunkRows: 4,
            compression: .deflate(level: 6))
        try stress.attributes.set("units", to: "kPa")
        var row = 0
        for batch in [1, 2, 3, 1, 4] {  // 11 rows: the last chunk stays incomplete
            let values = (row * 20..<(row + batch) * 20).map { Float($0) * 0.5 }
            try stress.append(rows: values, count: batch)
            row += batch
            try file.flush()
        }
        let reasons = try results.createStringDataset("failure_reason", chunkRows: 2)
        try reasons.append(["", "mesh failed"])
        try reasons.append(["", "Newton ✗", ""])

        try file.attributes.set("format", to: "plaquefem-dataset")
        try file.attributes.set("title", to: "Stress – σ ✓")
        try file.attributes.set("version", to: Int64(3))
        try file.attributes.set("pixel_size", to: 0.05)
        try file.attributes.set("seeds", to: [Int64(1), 2, 3])
        try file.attributes.set("weights", to: [0.25, 0.75])
        try file.attributes.set("names", to: ["masks", "stress"])
        let meta = try file.createGroup("meta")
        try meta.attributes.set("youngs_modulus", to: 600.0)
        try meta.attributes.set("youngs_modulus_units", to: "kPa")
        try file.close()
    }
}
