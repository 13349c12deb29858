import CHDF5

/// An object that can carry attributes: the file (root group), a group or a dataset.
protocol AttributeOwner: AnyObject, Sendable {
    /// The open identifier to attach attributes to, or a `.closed` error; lock held by caller.
    func attributeTarget(for operation: String) throws(StorageError) -> AttributeTarget
}

/// The identifier and location that attribute operations work on.
struct AttributeTarget {
    /// The HDF5 identifier of the object (a file identifier means the root group).
    let identifier: hid_t
    /// The object's location, for error messages.
    let location: ObjectLocation
    /// Whether the file is writable.
    let isWritable: Bool
    /// The object's attribute-message check, run before libhdf5 decodes its attributes.
    let messages: AttributeMessageGuard
}
