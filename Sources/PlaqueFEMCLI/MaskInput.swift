import Foundation
import Raster
import Storage

/// One input mask, or why it could not be read.
struct MaskInputItem: Sendable {
    /// File name, or "file.h5[k]" / "file.npy[k]" for stacks.
    var source: String
    var mask: Result<Mask, InputFailure>
}

/// A mask that could not be read; recorded in the output with this reason.
struct InputFailure: Error, Sendable, CustomStringConvertible {
    /// `/status` of an input that could not be read (file, format, dataset).
    static let unreadable: Int32 = 1
    /// `/status` of a mask whose size differs from the batch's.
    static let wrongSize: Int32 = 2

    var code: Int32
    var description: String
}

/// Reads masks from PNG files, .npy files (2D or stacked 3D) and HDF5 files ((N, H, W) dataset).
enum MaskInput {
    static func read(_ paths: [String], pixelSize: Double, hdf5Dataset: String) -> [MaskInputItem] {
        var items: [MaskInputItem] = []
        for path in paths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "png":
                do {
                    items.append(MaskInputItem(source: name, mask: .success(try PNGFile.readMask(path: path, pixelSize: pixelSize))))
                } catch {
                    items.append(MaskInputItem(source: name, mask: .failure(InputFailure(code: InputFailure.unreadable, description: "\(error)"))))
                }
            case "npy":
                do {
                    let array = try NumPyFile.read(path: path)
                    for k in 0..<array.imageCount {
                        let source = array.shape.count == 3 ? "\(name)[\(k)]" : name
                        do {
                            items.append(MaskInputItem(source: source, mask: .success(try array.mask(at: k, pixelSize: pixelSize))))
                        } catch {
                            items.append(MaskInputItem(source: source, mask: .failure(InputFailure(code: Int32(100 + error.code), description: "\(error)"))))
                        }
                    }
                } catch {
                    items.append(MaskInputItem(source: name, mask: .failure(InputFailure(code: InputFailure.unreadable, description: "\(error)"))))
                }
            case "h5", "hdf5":
                items += readHDF5(path: path, name: name, dataset: hdf5Dataset, pixelSize: pixelSize)
            default:
                items.append(MaskInputItem(source: name, mask: .failure(InputFailure(
                    code: InputFailure.unreadable, description: "\(path): unsupported file type (use .png, .npy, .h5)"))))
            }
        }
        return items
    }

    private static func readHDF5(path: String, name: String, dataset: String, pixelSize: Double) -> [MaskInputItem] {
        do {
            let file = try HDF5File.open(at: path, mode: .readOnly)
            defer { try? file.close() }
            let data = try file.openDataset(dataset)
            guard data.rank == 3 else {
                return [MaskInputItem(source: name, mask: .failure(InputFailure(
                    code: InputFailure.unreadable, description: "\(path): dataset /\(dataset) has rank \(data.rank), expected (N, H, W)")))]
            }
            let shape = try data.shape
            let size = shape[1] * shape[2]
            // uint8 masks: nonzero = wall; any other type is read as float and must lie in [0, 1].
            let bytes: [UInt8]? = try data.elementType == .uint8 ? data.read(as: UInt8.self) : nil
            let values: [Double] = bytes == nil ? try data.readConverted(as: Double.self) : []
            return (0..<shape[0]).map { k in
                let source = "\(name)[\(k)]"
                let range = (k * size)..<((k + 1) * size)
                do throws(MaskError) {
                    let mask: Mask
                    if let bytes {
                        mask = try Mask(rows: shape[1], columns: shape[2], values: Array(bytes[range]), pixelSize: pixelSize)
                    } else {
                        mask = try Mask(rows: shape[1], columns: shape[2], values: Array(values[range]), pixelSize: pixelSize)
                    }
                    return MaskInputItem(source: source, mask: .success(mask))
                } catch {
                    return MaskInputItem(source: source, mask: .failure(InputFailure(code: Int32(100 + error.code), description: "\(error)")))
                }
            }
        } catch {
            return [MaskInputItem(source: name, mask: .failure(InputFailure(code: InputFailure.unreadable, description: "\(error)")))]
        }
    }
}
