import Foundation
import Raster
import Storage

/// One input mask, or why it could not be read.
struct MaskInputItem: Sendable {
    /// File name, or "file.h5[k]" / "file.npy[k]" for stacks.
    var source: String
    var mask: Result<Mask, InputFailure>
    /// The class mask, when read as one (`label --components`); `mask` is then its wall.
    var classMask: ClassMask? = nil

    init(source: String, mask: Result<Mask, InputFailure>) {
        self.source = source
        self.mask = mask
    }

    /// A class mask (its wall as `mask`), or why it could not be read.
    init(source: String, classMask: Result<ClassMask, InputFailure>) {
        self.source = source
        switch classMask {
        case .success(let classes):
            mask = .success(classes.wall)
            self.classMask = classes
        case .failure(let failure):
            mask = .failure(failure)
        }
    }
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

    /// Reads class masks (`label --components`): per pixel a code 0 outside the wall, 1 fibrous,
    /// 2 lipid, 3 calcium, from .npy (integers, or floats that are exactly 0...3), HDF5 ((N, H, W)
    /// dataset) and PNG (grey values 0...3, or a palette / RGB picture in `palette`'s colours).
    static func readClasses(_ paths: [String], pixelSize: Double, hdf5Dataset: String, palette: ComponentPalette) -> [MaskInputItem] {
        func failure(_ error: Error) -> InputFailure {
            if let classes = error as? ClassMaskError { return InputFailure(code: Int32(100 + classes.code), description: "\(error)") }
            return InputFailure(code: InputFailure.unreadable, description: "\(error)")
        }
        var items: [MaskInputItem] = []
        for path in paths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "png":
                do {
                    items.append(MaskInputItem(source: name, classMask: .success(try PNGFile.readClassMask(path: path, pixelSize: pixelSize, palette: palette))))
                } catch {
                    items.append(MaskInputItem(source: name, classMask: .failure(failure(error))))
                }
            case "npy":
                do {
                    let array = try NumPyFile.read(path: path)
                    for k in 0..<array.imageCount {
                        let source = array.shape.count == 3 ? "\(name)[\(k)]" : name
                        do {
                            items.append(MaskInputItem(source: source, classMask: .success(try array.classMask(at: k, pixelSize: pixelSize))))
                        } catch {
                            items.append(MaskInputItem(source: source, classMask: .failure(failure(error))))
                        }
                    }
                } catch {
                    items.append(MaskInputItem(source: name, classMask: .failure(failure(error))))
                }
            case "h5", "hdf5":
                do {
                    let file = try HDF5File.open(at: path, mode: .readOnly)
                    defer { try? file.close() }
                    let data = try file.openDataset(hdf5Dataset)
                    guard data.rank == 3 else {
                        items.append(MaskInputItem(source: name, classMask: .failure(InputFailure(
                            code: InputFailure.unreadable, description: "\(path): dataset /\(hdf5Dataset) has rank \(data.rank), expected (N, H, W)"))))
                        continue
                    }
                    let shape = try data.shape
                    guard let grid = PixelGrid(rows: shape[1], columns: shape[2], pixelSize: pixelSize) else {
                        items.append(MaskInputItem(source: name, classMask: .failure(InputFailure(
                            code: InputFailure.unreadable, description: "\(path): /\(hdf5Dataset) has shape \(shape)"))))
                        continue
                    }
                    let bytes: [UInt8]? = try data.elementType == .uint8 ? data.read(as: UInt8.self) : nil
                    let values: [Double] = bytes == nil ? try data.readConverted(as: Double.self) : []
                    for k in 0..<shape[0] {
                        let range = (k * grid.count)..<((k + 1) * grid.count)
                        do throws(ClassMaskError) {
                            let mask: ClassMask
                            if let bytes {
                                mask = try ClassMask(grid: grid, classes: Array(bytes[range]))
                            } else {
                                mask = try ClassMask(grid: grid, values: Array(values[range]))
                            }
                            items.append(MaskInputItem(source: "\(name)[\(k)]", classMask: .success(mask)))
                        } catch {
                            items.append(MaskInputItem(source: "\(name)[\(k)]", classMask: .failure(failure(error))))
                        }
                    }
                } catch {
                    items.append(MaskInputItem(source: name, classMask: .failure(failure(error))))
                }
            default:
                items.append(MaskInputItem(source: name, classMask: .failure(InputFailure(
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
