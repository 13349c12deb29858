import CHDF5

/// Operations shared by the root of a file and by groups: children, groups, datasets.
///
/// All functions expect the global HDF5 lock to be held by the caller.
struct ContainerOperations {
    /// The identifier of the file or group used as location.
    let identifier: hid_t
    /// The location of the container, for error messages.
    let location: ObjectLocation
    /// The file the container belongs to.
    let file: HDF5File

    /// Whether every component of a relative or absolute path exists as a link. Each group on the
    /// way has its local heap checked (`HDF5File.checkLocalHeap`) before libhdf5 looks a name up in
    /// it.
    func linkExists(_ path: String, _ operation: String) throws(StorageError) -> Bool {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            try file.checkLocalHeap(of: prefix.isEmpty ? "." : prefix, in: identifier, location: location, operation: operation)
            if !prefix.isEmpty, !prefix.hasSuffix("/") {
                prefix += "/"
            }
            prefix += component
            if H5Lexists(identifier, prefix, hid_t(H5P_DEFAULT)) <= 0 {
                return false
            }
        }
        return true
    }

    /// The basic information (type, header address) of the object at a path that is known to
    /// exist; nil when libhdf5 cannot read its header.
    func information(of path: String) -> H5O_info_t? {
        var information = H5O_info_t()
        guard H5Oget_info_by_name2(identifier, path, &information, UInt32(H5O_INFO_BASIC), hid_t(H5P_DEFAULT)) >= 0 else {
            _ = HDF5Library.takeErrorMessages()
            return nil
        }
        return information
    }

    /// The kind of object at a path that is known to exist.
    func kind(of path: String) -> HDF5Child.Kind {
        kind(of: information(of: path))
    }

    private func kind(of information: H5O_info_t?) -> HDF5Child.Kind {
        guard let information else { return .other }
        switch information.type {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        default: return .other
        }
    }

    /// Checks that a name is usable as a path below this container.
    func validate(_ name: String, _ operation: String) throws(StorageError) {
        let components = name.split(separator: "/")
        if components.isEmpty || components.contains(".") || name.utf8.contains(0) {
            throw location.child(name).error(.invalidArgument, operation, "invalid object name '\(name)'")
        }
    }

    /// Throws `.objectNotFound` or `.wrongObjectKind` unless `path` is an object of `kind`;
    /// returns the object's header address.
    @discardableResult
    func requireObject(_ path: String, kind expected: HDF5Child.Kind, _ operation: String) throws(StorageError) -> haddr_t {
        try validate(path, operation)
        let childLocation = location.child(path)
        guard try linkExists(path, operation) else {
            throw childLocation.error(.objectNotFound, operation)
        }
        let information = information(of: path)
        let found = kind(of: information)
        guard found == expected, let information else {
            throw childLocation.error(.wrongObjectKind(expected: expected.rawValue, found: found.rawValue), operation)
        }
        return information.addr
    }

    /// Throws unless the file is writable and nothing exists at `path`.
    func requireNewObject(_ path: String, _ operation: String) throws(StorageError) {
        try validate(path, operation)
        let childLocation = location.child(path)
        guard file.isWritable else {
            throw childLocation.error(.readOnly, operation)
        }
        if try linkExists(path, operation) {
            throw childLocation.error(.objectExists, operation)
        }
    }

    /// A link creation property list that creates missing intermediate groups.
    func makeLinkCreationList(_ operation: String) throws(StorageError) -> hid_t {
        let list = H5Pcreate(chdf5_link_create_plist())
        try location.check(list, operation)
        if H5Pset_create_intermediate_group(list, 1) < 0 {
            _ = H5Pclose(list)
            throw location.libraryError(operation)
        }
        return list
    }

    func createGroup(_ path: String) throws(StorageError) -> HDF5Group {
        let operation = "create group"
        try requireNewObject(path, operation)
        let childLocation = location.child(path)
        let linkList = try makeLinkCreationList(operation)
        defer { _ = H5Pclose(linkList) }
        let group = H5Gcreate2(identifier, path, linkList, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        try childLocation.check(group, operation)
        file.trustLocalHeap(of: group)
        return HDF5Group(file: file, identifier: group, location: childLocation, attributeMessages: .created())
    }

    func openGroup(_ path: String) throws(StorageError) -> HDF5Group {
        let operation = "open group"
        let header = try requireObject(path, kind: .group, operation)
        let childLocation = location.child(path)
        let group = H5Gopen2(identifier, path, hid_t(H5P_DEFAULT))
        try childLocation.check(group, operation)
        return HDF5Group(file: file, identifier: group, location: childLocation, attributeMessages: AttributeMessageGuard(header: header))
    }

    func children() throws(StorageError) -> [HDF5Child] {
        let operation = "list children"
        try file.checkLocalHeap(of: ".", in: identifier, location: location, operation: operation)
        var information = H5G_info_t()
        try location.check(H5Gget_info(identifier, &information), operation)
        var result: [HDF5Child] = []
        result.reserveCapacity(Int(information.nlinks))
        for index in 0..<information.nlinks {
            let length = H5Lget_name_by_idx(
                identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, hid_t(H5P_DEFAULT))
            try location.check(length, operation)
            var buffer = [CChar](repeating: 0, count: length + 1)
            try location.check(
                H5Lget_name_by_idx(
                    identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, hid_t(H5P_DEFAULT)),
                operation)
            let name = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            result.append(HDF5Child(name: name, kind: kind(of: name)))
        }
        return result
    }

    func removeChild(_ path: String) throws(StorageError) {
        let operation = "remove object"
        try validate(path, operation)
        let childLocation = location.child(path)
        guard file.isWritable else { throw childLocation.error(.readOnly, operation) }
        guard try linkExists(path, operation) else { throw childLocation.error(.objectNotFound, operation) }
        try childLocation.check(H5Ldelete(identifier, path, hid_t(H5P_DEFAULT)), operation)
    }
}
