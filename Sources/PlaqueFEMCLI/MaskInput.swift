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

/// Reads masks from PNG files, .npy files (2D or stacked 3D) and HDF5 files ((N, H, W) dataset);
/// with a palette, class masks (`label --components`): per pixel a code 0 outside the wall,
/// 1 fibrous, 2 lipid, 3 calcium (.npy and HDF5 integers, or floats that are exactly 0...3; PNG grey
/// values 0...3, or a palette / RGB picture in the palette's colours).
enum MaskInput {
    static func read(_ paths: [String], pixelSize: Double, hdf5Dataset: String, classes palette: ComponentPalette? = nil) -> [MaskInputItem] {
        var items: [MaskInputItem] = []
        for path in paths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "png":
                items.append(item(name, palette, plain: { try PNGFile.readMask(path: path, pixelSize: pixelSize) },
                                  classes: { try PNGFile.readClassMask(path: path, pixelSize: pixelSize, palette: $0) }))
            case "npy":
                do {
                    let array = try NumPyFile.read(path: path)
                    for k in 0..<array.imageCount {
                        let source = array.shape.count == 3 ? "\(name)[\(k)]" : name
                        items.append(item(source, palette, plain: { try array.mask(at: k, pixelSize: pixelSize) },
                                          classes: { _ in try array.classMask(at: k, pixelSize: pixelSize) }))
                    }
                } catch {
                    items.append(MaskInputItem(source: name, mask: .failure(failure(error))))
                }
            case "h5", "hdf5":
                items += readHDF5(path: path, name: name, dataset: hdf5Dataset, pixelSize: pixelSize, palette: palette)
            default:
                items.append(MaskInputItem(source: name, mask: .failure(InputFailure(
                    code: InputFailure.unreadable, description: "\(path): unsupported file type (use .png, .npy, .h5)"))))
            }
        }
        return items
    }

    /// One image read as a plain mask, or with `palette` as a class mask, or why not.
    private static func item(_ source: String, _ palette: ComponentPalette?, plain: () throws -> Mask,
                             classes: (ComponentPalette) throws -> ClassMask) -> MaskInputItem {
        do {
            if let palette { return MaskInputItem(source: source, classMask: .success(try classes(palette))) }
            return MaskInputItem(source: source, mask: .success(try plain()))
        } catch {
            return MaskInputItem(source: source, mask: .failure(failure(error)))
        }
    }

    /// `/status` 100 + code for bad mask values (`MaskError`, `ClassMaskError`), 1 for unreadable input.
    private static func failure(_ error: Error) -> InputFailure {
        switch error {
        case let error as MaskError: InputFailure(code: Int32(100 + error.code), description: "\(error)")
        case let error as ClassMaskError: InputFailure(code: Int32(100 + error.code), description: "\(error)")
        default: InputFailure(code: InputFailure.unreadable, description: "\(error)")
        }
    }

    private static func readHDF5(path: String, name: String, dataset: String, pixelSize: Double, palette: ComponentPalette?) -> [MaskInputItem] {
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
            // uint8 masks: nonzero = wall (class masks: the codes); any other type is read as float and
            // must lie in [0, 1] (class masks: be a code).
            let bytes: [UInt8]? = try data.elementType == .uint8 ? data.read(as: UInt8.self) : nil
            let values: [Double] = bytes == nil ? try data.readConverted(as: Double.self) : []
            return (0..<shape[0]).map { k in
                let range = (k * size)..<((k + 1) * size)
                return item("\(name)[\(k)]", palette, plain: {
                    if let bytes { return try Mask(rows: shape[1], columns: shape[2], values: Array(bytes[range]), pixelSize: pixelSize) }
                    return try Mask(rows: shape[1], columns: shape[2], values: Array(values[range]), pixelSize: pixelSize)
                }, classes: { _ in
                    guard let grid = PixelGrid(rows: shape[1], columns: shape[2], pixelSize: pixelSize) else {
                        throw ClassMaskError.shapeMismatch(rows: shape[1], columns: shape[2], count: size)
                    }
                    if let bytes { return try ClassMask(grid: grid, classes: Array(bytes[range])) }
                    return try ClassMask(grid: grid, values: Array(values[range]))
                })
            }
        } catch {
            return [MaskInputItem(source: name, mask: .failure(failure(error)))]
        }
    }
}
