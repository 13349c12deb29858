// storage-crash-writer: a helper for the crash-safety test of the Storage module.
//
// Usage: storage-crash-writer FILE.h5 ITERATIONS SEED
//
// Creates FILE.h5, then ITERATIONS times appends 1 to 3 rows (chosen by SEED) to a compressed
// float32 dataset "/rows" (N, 6, 7) chunked by 5 rows, a compressed int64 dataset "/index" (N)
// chunked by 8 rows, an uncompressed int32 dataset "/plain" (N, 3) and a string dataset
// "/reason"; flushes the file; and prints "flushed N" on standard output. The test kills it
// with SIGKILL at some point and checks that the file holds the first N rows.
// Row r of each dataset is defined by the functions below (the test repeats them).

import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The values of row `row` of "/rows" (6 x 7 elements).
func rowValues(_ row: Int) -> [Float] {
    (0..<42).map { element in Float(row) * 0.5 + Float((row * 31 + element * 17) % 97) / 7 }
}

/// The values of row `row` of "/plain".
func plainValues(_ row: Int) -> [Int32] {
    [Int32(row), Int32(row * 2), Int32(-row)]
}

/// The string of row `row` of "/reason".
func reason(_ row: Int) -> String {
    row % 3 == 0 ? "row \(row) failed ✗" : ""
}

/// Writes a line straight to a file descriptor (unbuffered, so a kill loses nothing printed).
func writeLine(_ text: String, to descriptor: Int32 = 1) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    writeLine("storage-crash-writer: \(message)", to: 2)
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let iterations = Int(arguments[2]), let seed = UInt64(arguments[3]) else {
    fail("usage: storage-crash-writer FILE.h5 ITERATIONS SEED")
}

do throws(StorageError) {
    let file = try HDF5File.create(at: arguments[1])
    let rows = try file.createDataset(
        "rows", elementType: Float.self, shape: [0, 6, 7], maximumRows: .unlimited, chunkRows: 5,
        compression: .deflate(level: 1))
    let index = try file.createDataset(
        "index", elementType: Int64.self, shape: [0], maximumRows: .unlimited, chunkRows: 8,
        compression: .deflate(level: 1))
    let plain = try file.createDataset(
        "plain", elementType: Int32.self, shape: [0, 3], maximumRows: .unlimited, chunkRows: 4)
    let reasons = try file.createStringDataset("reason", chunkRows: 4)
    try file.attributes.set("writer", to: "storage-crash-writer")
    try file.flush()
    writeLine("flushed 0")

    var state = seed
    var total = 0
    for _ in 0..<iterations {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let batch = Int((state >> 33) % 3) + 1
        let range = total..<(total + batch)
        try rows.append(rows: range.flatMap(rowValues), count: batch)
        try index.append(rows: range.map { Int64($0) }, count: batch)
        try plain.append(rows: range.flatMap(plainValues), count: batch)
        try reasons.append(range.map(reason))
        total += batch
        try file.flush()
        writeLine("flushed \(total)")
    }
    try file.close()
    writeLine("done")
} catch {
    fail(error.description)
}
