import Foundation
import Testing
@testable import Raster

@Suite("NumPy .npy input and output")
struct NumPyFileTests {
    /// A header with the given dictionary text, version 1.0, padded to 64 bytes, followed by `payload`.
    static func npy(_ dictionary: String, payload: [UInt8], major: UInt8 = 1) -> [UInt8] {
        let prefix = major == 1 ? 10 : 12
        let padding = (64 - (prefix + dictionary.utf8.count + 1) % 64) % 64
        let header = Array((dictionary + String(repeating: " ", count: padding) + "\n").utf8)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
        bytes += [UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        if major != 1 { bytes += [0, 0] }
        return bytes + header + payload
    }

    @Test("every dtype round-trips through encode and decode, 2D and 3D, versions 1.0 and 2.0")
    func roundTrip() throws {
        let arrays: [NumPyArray] = [
            try NumPyArray(shape: [2, 3], storage: .bool([true, false, true, false, false, true])),
            try NumPyArray(shape: [2, 3], storage: .uint8([0, 1, 2, 3, 254, 255])),
            try NumPyArray(shape: [1, 2, 2], storage: .int32([-5, 0, 7, Int32.max])),
            try NumPyArray(shape: [3, 1], storage: .int64([Int64.min, 0, 1 << 40])),
            try NumPyArray(shape: [2, 2, 2], storage: .float32([0, 0.5, -1.25, .infinity, 1e-30, 3, 4, 5])),
            try NumPyArray(shape: [2, 2], storage: .float64([0.1, -0.2, 1e300, 0])),
            try NumPyArray(shape: [0, 4, 4], storage: .uint8([])),
        ]
        for array in arrays {
            let version1 = NumPyFile.encode(array)
            #expect(version1[6] == 1)
            let headerLength = Int(version1[8]) + 256 * Int(version1[9])
            #expect((10 + headerLength) % 64 == 0)
            #expect(try NumPyFile.decode(version1) == array)
            let version2 = NumPyFile.encode(array, version: .version2)
            #expect(version2[6] == 2)
            #expect(try NumPyFile.decode(version2) == array)
        }
        let directory = TestSupport.temporaryDirectory()
        try NumPyFile.write(arrays[4], to: directory + "/a.npy")
        #expect(try NumPyFile.read(path: directory + "/a.npy") == arrays[4])
    }

    @Test("fortran_order arrays are transposed into C order")
    func fortranOrder() throws {
        // C-order array [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6.
        let bytes = Self.npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", payload: [1, 4, 2, 5, 3, 6])
        let array = try NumPyFile.decode(bytes)
        #expect(array.shape == [2, 3])
        #expect(array.storage == .uint8([1, 2, 3, 4, 5, 6]))
        // 3D: element (n, r, c) = 100 n + 10 r + c, shape (2, 2, 3), Fortran offset n + 2 r + 4 c.
        var payload = [UInt8](repeating: 0, count: 12)
        for n in 0..<2 { for r in 0..<2 { for c in 0..<3 { payload[n + 2 * r + 4 * c] = UInt8(100 * n + 10 * r + c) } } }
        let stack = try NumPyFile.decode(Self.npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 3), }", payload: payload))
        #expect(stack.storage == .uint8([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]))
    }

    @Test("masks from arrays: bool, integer nonzero, float in [0, 1] with threshold 0.5")
    func masks() throws {
        let floats = try NumPyArray(shape: [2, 2, 2], storage: .float32([0, 0.6, 0.4, 1, 0, 0, 0.5, 0]))
        #expect(floats.imageCount == 2 && floats.rows == 2 && floats.columns == 2)
        #expect(try floats.mask(at: 0).pixels == [0, 1, 0, 1])
        #expect(try floats.mask(at: 1, pixelSize: 0.2).pixels == [0, 0, 1, 0])
        let integers = try NumPyArray(shape: [1, 3], storage: .int64([0, -3, 9]))
        #expect(try integers.mask().pixels == [0, 1, 1])
        let bad = try NumPyArray(shape: [1, 3], storage: .float64([0, .nan, 1]))
        #expect(throws: MaskError.self) { try bad.mask() }
        let outOfRange = try NumPyArray(shape: [1, 3], storage: .float64([0, 2, 1]))
        #expect(throws: MaskError.invalidValue(index: 1, value: 2)) { try outOfRange.mask() }
        let stack = try NumPyArray(masks: [TestSupport.ring(inner: 5, outer: 9), TestSupport.ring(inner: 8, outer: 12)])
        #expect(stack.shape == [2, 64, 64])
        #expect(try stack.mask(at: 1) == TestSupport.ring(inner: 8, outer: 12))
    }

    @Test("bad magic, truncated or garbled headers and truncated data are typed errors")
    func malformed() throws {
        let good = NumPyFile.encode(try NumPyArray(shape: [4, 4], storage: .float64(Array(repeating: 0.5, count: 16))))
        func expectInvalid(_ bytes: [UInt8], _ comment: Comment) {
            do {
                _ = try NumPyFile.decode(bytes, name: "test.npy")
                Issue.record("accepted: \(comment)")
            } catch {
                guard case let .invalidNumPy(path, reason) = error else {
                    Issue.record("\(comment): unexpected \(error)")
                    return
                }
                #expect(path == "test.npy" && !reason.isEmpty, comment)
            }
        }
        expectInvalid([], "empty")
        expectInvalid(Array("PK\u{3}\u{4}not numpy".utf8), "bad magic")
        expectInvalid(Array(good.prefix(9)), "cut in the length field")
        expectInvalid(Array(good.prefix(40)), "cut in the header")
        expectInvalid(Array(good.prefix(good.count - 1)), "cut in the data")
        expectInvalid(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4, }", payload: []), "garbled tuple")
        expectInvalid(Self.npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1, 1), }", payload: [UInt8](repeating: 0, count: 8)), "garbled bool")
        expectInvalid(Self.npy("{'descr': '<f8', 'shape': (1, 1), }", payload: [UInt8](repeating: 0, count: 8)), "missing key")
        expectInvalid(Self.npy("not a dictionary", payload: []), "no dictionary")
        expectInvalid(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), ", payload: []), "unterminated")
        expectInvalid(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", payload: []), "huge shape")
        var random = Xoshiro256StarStar(seed: 7)
        for _ in 0..<50 {
            var garbled = good
            garbled[10 + Int(random.next() % 50)] = UInt8(truncatingIfNeeded: random.next())
            do { _ = try NumPyFile.decode(garbled) } catch {}  // must not crash
        }
    }

    @Test("unsupported dtypes, byte order and dimensions are typed errors")
    func unsupported() throws {
        func expectUnsupported(_ bytes: [UInt8], _ comment: Comment) {
            do {
                _ = try NumPyFile.decode(bytes)
                Issue.record("accepted: \(comment)")
            } catch {
                if case .unsupportedNumPy = error {} else { Issue.record("\(comment): unexpected \(error)") }
            }
        }
        expectUnsupported(Self.npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1, 1), }", payload: [UInt8](repeating: 0, count: 8)), "big-endian")
        expectUnsupported(Self.npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1, 1), }", payload: [UInt8](repeating: 0, count: 16)), "complex")
        expectUnsupported(Self.npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1, 1), }", payload: [UInt8](repeating: 0, count: 8)), "structured")
        expectUnsupported(Self.npy("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", payload: [0, 1, 0, 1]), "1D")
        expectUnsupported(Self.npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 2, 2), }", payload: [0, 1, 0, 1]), "4D")
        // One-byte types accept any byte-order character.
        let bigEndianBytes = Self.npy("{'descr': '>u1', 'fortran_order': False, 'shape': (1, 2), }", payload: [0, 1])
        #expect(try NumPyFile.decode(bigEndianBytes).storage == .uint8([0, 1]))
        #expect(throws: RasterError.self) { try NumPyArray(shape: [2, 2], storage: .uint8([1])) }
        #expect(throws: RasterError.self) { try NumPyArray(shape: [4], storage: .uint8([1, 2, 3, 4])) }
        #expect(throws: RasterError.unreadableFile(path: "/nonexistent/x.npy", reason: "No such file or directory")) {
            try NumPyFile.read(path: "/nonexistent/x.npy")
        }
    }

    @Test("Swift writes, numpy reads: uint8 3D, float32 2D, float64 2D")
    func numpyReadsSwift() throws {
        let directory = TestSupport.temporaryDirectory()
        let rings = [TestSupport.ring(inner: 5, outer: 9), TestSupport.ring(inner: 8, outer: 12), TestSupport.ring(inner: 10, outer: 20)]
        try NumPyFile.write(NumPyArray(masks: rings), to: directory + "/masks.npy")
        let floats = (0..<12).map { Float($0) * 0.25 - 1 }
        try NumPyFile.write(NumPyArray(shape: [3, 4], storage: .float32(floats)), to: directory + "/f4.npy")
        let doubles = (0..<6).map { Double($0) / 3 }
        try NumPyFile.write(NumPyArray(shape: [2, 3], storage: .float64(doubles)), to: directory + "/f8.npy", version: .version2)
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        m = np.load(d + '/masks.npy')
        assert m.dtype == np.uint8 and m.shape == (3, 64, 64), (m.dtype, m.shape)
        r, c = np.mgrid[0:64, 0:64]
        dist = np.sqrt((r - 32.0) ** 2 + (c - 32.0) ** 2)
        for k, (a, b) in enumerate([(5, 9), (8, 12), (10, 20)]):
            assert (m[k] == ((dist >= a) & (dist < b))).all(), k
        f = np.load(d + '/f4.npy')
        assert f.dtype == np.float32 and f.shape == (3, 4)
        assert (f == (np.arange(12, dtype=np.float32) * 0.25 - 1).reshape(3, 4)).all()
        g = np.load(d + '/f8.npy')
        assert g.dtype == np.float64 and g.shape == (2, 3)
        assert (g == (np.arange(6) / 3).reshape(2, 3)).all()
        print('OK')
        """
        switch TestSupport.runPython(script, arguments: [directory]) {
        case .skipped: return
        case let .finished(status, output):
            #expect(status == 0 && output.contains("OK"), Comment(rawValue: output))
        }
    }

    @Test("numpy writes, Swift reads: all dtypes, Fortran order, version 2.0, 3D")
    func swiftReadsNumpy() throws {
        let directory = TestSupport.temporaryDirectory()
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        r, c = np.mgrid[0:5, 0:7]
        v = (3 * r + c) % 4
        np.save(d + '/bool.npy', v > 1)
        np.save(d + '/u1.npy', v.astype(np.uint8))
        np.save(d + '/i4.npy', (v - 2).astype(np.int32))
        np.save(d + '/i8.npy', (v * 10**12).astype(np.int64))
        np.save(d + '/f4.npy', (v / 3).astype(np.float32))
        np.save(d + '/f8.npy', (v / 3).astype(np.float64))
        np.save(d + '/fortran.npy', np.asfortranarray((v / 3).astype(np.float64)))
        with open(d + '/v2.npy', 'wb') as f:
            np.lib.format.write_array(f, v.astype(np.uint8), version=(2, 0))
        n, rr, cc = np.mgrid[0:3, 0:5, 0:7]
        np.save(d + '/stack.npy', ((n + rr + cc) % 2).astype(np.uint8))
        np.save(d + '/stackf.npy', np.asfortranarray((n * 100 + rr * 10 + cc).astype(np.float32)))
        print('OK')
        """
        switch TestSupport.runPython(script, arguments: [directory]) {
        case .skipped: return
        case let .finished(status, output):
            try #require(status == 0 && output.contains("OK"), Comment(rawValue: output))
        }
        let expected = (0..<35).map { (3 * ($0 / 7) + $0 % 7) % 4 }
        #expect(try NumPyFile.read(path: directory + "/bool.npy").storage == .bool(expected.map { $0 > 1 }))
        #expect(try NumPyFile.read(path: directory + "/u1.npy").storage == .uint8(expected.map(UInt8.init)))
        #expect(try NumPyFile.read(path: directory + "/i4.npy").storage == .int32(expected.map { Int32($0 - 2) }))
        #expect(try NumPyFile.read(path: directory + "/i8.npy").storage == .int64(expected.map { Int64($0) * 1_000_000_000_000 }))
        #expect(try NumPyFile.read(path: directory + "/f4.npy").storage == .float32(expected.map { Float(Double($0) / 3) }))
        #expect(try NumPyFile.read(path: directory + "/f8.npy").storage == .float64(expected.map { Double($0) / 3 }))
        let fortran = try NumPyFile.read(path: directory + "/fortran.npy")
        #expect(fortran.shape == [5, 7] && fortran.storage == .float64(expected.map { Double($0) / 3 }))
        #expect(try NumPyFile.read(path: directory + "/v2.npy").storage == .uint8(expected.map(UInt8.init)))
        let stack = try NumPyFile.read(path: directory + "/stack.npy")
        #expect(stack.shape == [3, 5, 7] && stack.imageCount == 3)
        let expectedSlice: [UInt8] = (0..<35).map { (index: Int) -> UInt8 in UInt8((2 + index / 7 + index % 7) % 2) }
        #expect(try stack.mask(at: 2).pixels == expectedSlice)
        let stackF = try NumPyFile.read(path: directory + "/stackf.npy")
        let expectedStack: [Float] = (0..<105).map { (index: Int) -> Float in
            let n = index / 35
            let row = index / 7 % 5
            let column = index % 7
            return Float(n * 100 + row * 10 + column)
        }
        #expect(stackF.storage == .float32(expectedStack))
    }
}
