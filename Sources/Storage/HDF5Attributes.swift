import CHDF5

/// The attributes of a file's root group, a group or a dataset.
///
/// Numeric attributes are scalars or 1-D arrays of `UInt8`, `Int32`, `Int64`, `Float` or
/// `Double`; strings are variable-length UTF-8 (h5py returns `str`). Setting an attribute
/// replaces any existing one of the same name, whatever its type. Reads never convert: asking
/// for another type than the stored one throws `.typeMismatch` (use `value(_:)` to inspect).
public struct HDF5Attributes: Sendable {
    private let owner: any AttributeOwner

    init(owner: any AttributeOwner) {
        self.owner = owner
    }

    // MARK: - Listing

    /// The attribute names, sorted.
    public func names() throws(StorageError) -> [String] {
        try HDF5Library.run { () throws(StorageError) -> [String] in
            let operation = "list attributes"
            let target = try checkedTarget(operation)
            var information = H5O_info_t()
            try target.location.check(
                H5Oget_info2(target.identifier, &information, UInt32(H5O_INFO_NUM_ATTRS)), operation)
            var names: [String] = []
            for index in 0..<information.num_attrs {
                let length = H5Aget_name_by_idx(
                    target.identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, hid_t(H5P_DEFAULT))
                try target.location.check(length, operation)
                var buffer = [CChar](repeating: 0, count: length + 1)
                try target.location.check(
                    H5Aget_name_by_idx(
                        target.identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                        hid_t(H5P_DEFAULT)),
                    operation)
                names.append(String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names
        }
    }

    /// Whether an attribute named `name` exists.
    public func contains(_ name: String) throws(StorageError) -> Bool {
        try HDF5Library.run { () throws(StorageError) -> Bool in
            let operation = "look up attribute '\(name)'"
            let target = try checkedTarget(operation)
            try validate(name, target, operation)
            return try target.location.check(H5Aexists(target.identifier, name), operation) > 0
        }
    }

    /// Removes the attribute named `name`.
    /// - Throws: `.objectNotFound` if there is none, `.readOnly`.
    public func remove(_ name: String) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let operation = "remove attribute '\(name)'"
            let target = try checkedTarget(operation)
            try validate(name, target, operation)
            guard target.isWritable else { throw target.location.error(.readOnly, operation) }
            guard H5Aexists(target.identifier, name) > 0 else {
                throw target.location.error(.objectNotFound, operation)
            }
            try target.location.check(H5Adelete(target.identifier, name), operation)
        }
    }

    // MARK: - Writing

    /// Sets a numeric scalar attribute.
    public func set<Element: HDF5Scalar>(_ name: String, to value: Element) throws(StorageError) {
        try write(name, operation: "set attribute '\(name)'", type: Element.hdf5ElementType.nativeTypeIdentifier, count: nil) {
            attribute, type in
            withUnsafeBytes(of: value) { H5Awrite(attribute, type, $0.baseAddress) }
        }
    }

    /// Sets a 1-D numeric array attribute.
    public func set<Element: HDF5Scalar>(_ name: String, to values: [Element]) throws(StorageError) {
        try write(name, operation: "set attribute '\(name)'", type: Element.hdf5ElementType.nativeTypeIdentifier, count: values.count) {
            attribute, type in
            values.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }
        }
    }

    /// Sets a variable-length UTF-8 string attribute (read by h5py as `str`).
    /// - Throws: `.invalidArgument` if the string contains a NUL character.
    public func set(_ name: String, to value: String) throws(StorageError) {
        try writeStrings(name, [value], scalar: true)
    }

    /// Sets a 1-D attribute of variable-length UTF-8 strings.
    /// - Throws: `.invalidArgument` if a string contains a NUL character.
    public func set(_ name: String, to values: [String]) throws(StorageError) {
        try writeStrings(name, values, scalar: false)
    }

    // MARK: - Reading

    /// Reads a numeric scalar attribute (or a 1-D attribute of one element) of exactly this type.
    /// - Throws: `.objectNotFound`, `.typeMismatch`, `.shapeMismatch` for several elements.
    public func scalar<Element: HDF5Scalar>(_ name: String, as type: Element.Type) throws(StorageError) -> Element {
        let operation = "read attribute '\(name)'"
        let values = try array(name, as: type, operation: operation)
        guard values.count == 1 else {
            throw try location(for: operation).error(.shapeMismatch, operation, "\(values.count) elements, expected 1")
        }
        return values[0]
    }

    /// Reads a numeric attribute of exactly this type as an array (a scalar gives one element).
    /// - Throws: `.objectNotFound`, `.typeMismatch`.
    public func array<Element: HDF5Scalar>(_ name: String, as type: Element.Type) throws(StorageError) -> [Element] {
        try array(name, as: type, operation: "read attribute '\(name)'")
    }

    /// Reads a scalar string attribute (or a string array of one element).
    /// - Throws: `.objectNotFound`, `.typeMismatch`, `.shapeMismatch` for several strings.
    public func string(_ name: String) throws(StorageError) -> String {
        let operation = "read attribute '\(name)'"
        let values = try strings(name, operation: operation)
        guard values.count == 1 else {
            throw try location(for: operation).error(.shapeMismatch, operation, "\(values.count) strings, expected 1")
        }
        return values[0]
    }

    /// Reads a string attribute as an array (a scalar gives one element).
    /// - Throws: `.objectNotFound`, `.typeMismatch`.
    public func strings(_ name: String) throws(StorageError) -> [String] {
        try strings(name, operation: "read attribute '\(name)'")
    }

    /// Reads an attribute of any supported type, widening integers to `Int64` and floats to
    /// `Double`.
    /// - Throws: `.objectNotFound`, `.typeMismatch` for unsupported types.
    public func value(_ name: String) throws(StorageError) -> HDF5AttributeValue {
        let operation = "read attribute '\(name)'"
        return try HDF5Library.run { () throws(StorageError) -> HDF5AttributeValue in
            try withAttribute(name, operation) { (attribute, info, location) throws(StorageError) -> HDF5AttributeValue in
                switch info.elementType {
                case .uint8, .int32, .int64:
                    let values: [Int64] = try readNumbers(attribute, count: info.count, location, operation)
                    return info.isScalar && values.count == 1 ? .integer(values[0]) : .integers(values)
                case .float32, .float64:
                    let values: [Double] = try readNumbers(attribute, count: info.count, location, operation)
                    return info.isScalar && values.count == 1 ? .real(values[0]) : .reals(values)
                case .string:
                    let values = try readStrings(attribute, count: info.count, location, operation)
                    return info.isScalar && values.count == 1 ? .string(values[0]) : .strings(values)
                case .unsupported:
                    throw location.error(.typeMismatch(expected: .float64, found: .unsupported), operation)
                }
            }
        }
    }

    // MARK: - Private

    private struct AttributeInfo {
        var elementType: HDF5ElementType
        var count: Int
        var isScalar: Bool
    }

    /// The owner's identifier and location, once its attribute messages passed
    /// `AttributeMessageCheck`: every libhdf5 attribute call decodes them, and libhdf5 1.10.8
    /// reads past a damaged one (docs/reliability.md, note 10). Lock held by the caller.
    private func checkedTarget(_ operation: String) throws(StorageError) -> AttributeTarget {
        let target = try owner.attributeTarget(for: operation)
        try target.messages.verify(target, operation)
        return target
    }

    private func location(for operation: String) throws(StorageError) -> ObjectLocation {
        try HDF5Library.run { () throws(StorageError) -> ObjectLocation in
            try owner.attributeTarget(for: operation).location
        }
    }

    private func validate(_ name: String, _ target: AttributeTarget, _ operation: String) throws(StorageError) {
        if name.isEmpty || name.utf8.contains(0) {
            throw target.location.error(.invalidArgument, operation, "invalid attribute name '\(name)'")
        }
    }

    /// Creates (replacing) an attribute of `type` with a scalar (`count` nil) or 1-D dataspace.
    private func write(
        _ name: String,
        operation: String,
        type: hid_t,
        count: Int?,
        writer: (_ attribute: hid_t, _ type: hid_t) -> herr_t
    ) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let target = try checkedTarget(operation)
            try validate(name, target, operation)
            guard target.isWritable else { throw target.location.error(.readOnly, operation) }
            let location = target.location
            let space: hid_t
            if let count {
                var dimensions = [hsize_t(count)]
                space = try location.check(H5Screate_simple(1, &dimensions, nil), operation)
            } else {
                space = try location.check(H5Screate(H5S_SCALAR), operation)
            }
            defer { _ = H5Sclose(space) }
            if H5Aexists(target.identifier, name) > 0 {
                try location.check(H5Adelete(target.identifier, name), operation)
            }
            let attribute = try location.check(
                H5Acreate2(target.identifier, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)), operation)
            defer { _ = H5Aclose(attribute) }
            if count != 0 {
                try location.check(writer(attribute, type), operation)
            }
        }
    }

    private func writeStrings(_ name: String, _ values: [String], scalar: Bool) throws(StorageError) {
        let operation = "set attribute '\(name)'"
        try HDF5Library.run { () throws(StorageError) in
            let location = try owner.attributeTarget(for: operation).location
            try StringCoding.validate(values, location: location, operation: operation)
            let type = try location.check(HDF5Library.makeVariableLengthStringType(), operation)
            defer { _ = H5Tclose(type) }
            try write(name, operation: operation, type: type, count: scalar ? nil : values.count) { attribute, type in
                StringCoding.withPointerBuffer(values) { H5Awrite(attribute, type, $0) }
            }
        }
    }

    private func array<Element: HDF5Scalar>(
        _ name: String, as type: Element.Type, operation: String
    ) throws(StorageError) -> [Element] {
        try HDF5Library.run { () throws(StorageError) -> [Element] in
            try withAttribute(name, operation) { (attribute, info, location) throws(StorageError) -> [Element] in
                guard info.elementType == Element.hdf5ElementType else {
                    throw location.error(
                        .typeMismatch(expected: Element.hdf5ElementType, found: info.elementType), operation)
                }
                return try readNumbers(attribute, count: info.count, location, operation)
            }
        }
    }

    private func strings(_ name: String, operation: String) throws(StorageError) -> [String] {
        try HDF5Library.run { () throws(StorageError) -> [String] in
            try withAttribute(name, operation) { (attribute, info, location) throws(StorageError) -> [String] in
                guard info.elementType == .string else {
                    throw location.error(.typeMismatch(expected: .string, found: info.elementType), operation)
                }
                return try readStrings(attribute, count: info.count, location, operation)
            }
        }
    }

    /// Opens the attribute, describes it and passes it to `body`; lock held by caller.
    private func withAttribute<Result>(
        _ name: String,
        _ operation: String,
        _ body: (hid_t, AttributeInfo, ObjectLocation) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        let target = try checkedTarget(operation)
        try validate(name, target, operation)
        let location = target.location
        guard H5Aexists(target.identifier, name) > 0 else {
            _ = HDF5Library.takeErrorMessages()
            throw location.error(.objectNotFound, operation)
        }
        let attribute = try location.check(H5Aopen(target.identifier, name, hid_t(H5P_DEFAULT)), operation)
        defer { _ = H5Aclose(attribute) }
        let type = try location.check(H5Aget_type(attribute), operation)
        defer { _ = H5Tclose(type) }
        let space = try location.check(H5Aget_space(attribute), operation)
        defer { _ = H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        try location.check(count, operation)
        let info = AttributeInfo(
            elementType: HDF5ElementType(typeIdentifier: type),
            count: count,
            isScalar: H5Sget_simple_extent_type(space) == H5S_SCALAR)
        return try body(attribute, info, location)
    }

    private func readNumbers<Element: HDF5Scalar>(
        _ attribute: hid_t, count: Int, _ location: ObjectLocation, _ operation: String
    ) throws(StorageError) -> [Element] {
        guard count > 0 else { return [] }
        var status: herr_t = 0
        let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            status = H5Aread(attribute, Element.hdf5ElementType.nativeTypeIdentifier, buffer.baseAddress)
            initialized = count
        }
        try location.check(status, operation)
        return values
    }

    private func readStrings(
        _ attribute: hid_t, count: Int, _ location: ObjectLocation, _ operation: String
    ) throws(StorageError) -> [String] {
        let type = try location.check(H5Aget_type(attribute), operation)
        defer { _ = H5Tclose(type) }
        return try StringCoding.read(count: count, object: attribute, fileType: type, location: location, operation: operation) {
            memoryType, buffer in
            H5Aread(attribute, memoryType, buffer)
        }
    }
}
