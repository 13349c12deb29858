import CHDF5

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open HDF5 file (serial HDF5 library, sec2 driver).
///
/// Create one with `create(at:mode:)` or `open(at:mode:)`. The file handle is closed by
/// `close()` or, at the latest, when the last reference to the file and to every group and
/// dataset opened from it goes away. Files are written in HDF5's most compatible format, so
/// h5py, HDFView and ParaView read them.
///
/// Thread safety: every HDF5 call of this module runs under one process-wide lock, so files,
/// groups and datasets are `Sendable` and may be used from any thread or task; calls are
/// serialized, never parallel (the serial HDF5 library must not be entered concurrently, and
/// this module keeps per-dataset state such as buffered rows under the same lock). Code outside
/// this module that calls HDF5 directly is not covered by the lock. For a predictable row
/// order, append to a given dataset from one task at a time, and open each dataset once.
///
/// Processes: HDF5 locks a file while it is open (a second process cannot open a file that is
/// being written). File descriptors are made close-on-exec; start child processes inside
/// `withLibraryLock(_:)` when files may be opening concurrently on other threads.
///
/// Crash safety: writable files keep HDF5 metadata in memory until `flush()` (metadata cache
/// evictions are disabled), and appends to compressed datasets never move a stored chunk (see
/// `HDF5Dataset`). A process killed (even with SIGKILL) between two flushes leaves a file that
/// opens and holds every row appended before the last completed `flush()`. A kill *during*
/// `flush()` leaves the rows of the previous flush readable, but rows of the interrupted flush
/// may be unreadable (HDF5 writes metadata in place, and only SWMR orders those writes; a chunk
/// index node split caught mid-write could in rare cases also affect older rows). Not covered:
/// machine crashes without `flush(durable: true)`, and overwriting data in place (`write`,
/// `setRowCount`, attributes) rather than appending.
public final class HDF5File: @unchecked Sendable {
    /// How `create(at:mode:)` treats an existing file.
    public enum CreationMode: Sendable, Equatable {
        /// Replace an existing file.
        case truncate
        /// Fail with `StorageError.Reason.fileExists` if the file exists.
        case exclusive
    }

    /// How `open(at:mode:)` opens an existing file.
    public enum AccessMode: Sendable, Equatable {
        /// Reading only; every modifying call throws `StorageError.Reason.readOnly`.
        case readOnly
        /// Reading and writing.
        case readWrite
    }

    /// The file path as given when the file was created or opened.
    public let path: String
    /// Whether the file was opened for writing.
    public let isWritable: Bool

    private var identifier: hid_t
    private var members: [WeakFileMember] = []
    /// The root group's attribute-message check, for `attributes`.
    let rootAttributeMessages: AttributeMessageGuard
    /// The groups (by object header address) whose local heap `LocalHeapCheck` passed, and the
    /// damage found in the others; lock held to read or change them.
    private var checkedLocalHeaps: Set<haddr_t> = []
    private var damagedLocalHeaps: [haddr_t: String] = [:]

    private init(path: String, identifier: hid_t, isWritable: Bool, rootAttributeMessages: AttributeMessageGuard) {
        self.path = path
        self.identifier = identifier
        self.isWritable = isWritable
        self.rootAttributeMessages = rootAttributeMessages
    }

    deinit {
        let identifier = identifier
        if identifier >= 0 {
            HDF5Library.runSilently {
                _ = H5Fclose(identifier)
            }
        }
    }

    /// Creates a new HDF5 file.
    ///
    /// - Parameters:
    ///   - path: The file path; the directory must exist.
    ///   - mode: `.truncate` replaces an existing file, `.exclusive` refuses to.
    /// - Throws: `StorageError` with reason `.fileExists` (exclusive mode), `.inUse` (truncate mode,
    ///   the existing file is open in another process) or `.libraryFailure`.
    public static func create(at path: String, mode: CreationMode = .truncate) throws(StorageError) -> HDF5File {
        let location = ObjectLocation(filePath: path, objectPath: "/")
        return try HDF5Library.run { () throws(StorageError) -> HDF5File in
            if mode == .exclusive, access(path, F_OK) == 0 {
                throw location.error(.fileExists, "create file")
            }
            // HDF5 opens with O_TRUNC before it takes its file lock: truncating a file that another
            // process is writing would cut that file to nothing and then fail on the lock. Probe the
            // lock first (a small window remains between the probe and the create).
            if mode == .truncate, isLockedByAnotherProcess(path) {
                throw location.error(.inUse, "replace file")
            }
            let accessList = try makeAccessPropertyList(writable: true, location: location)
            defer { _ = H5Pclose(accessList) }
            let flags = mode == .truncate ? chdf5_acc_trunc() : chdf5_acc_excl()
            let identifier = H5Fcreate(path, flags, hid_t(H5P_DEFAULT), accessList)
            try location.check(identifier, "create file")
            closeOnExec(identifier, accessList)
            let file = HDF5File(path: path, identifier: identifier, isWritable: true, rootAttributeMessages: .created())
            file.trustLocalHeap(of: identifier)
            return file
        }
    }

    /// Whether another process holds a lock on the file at `path` (HDF5 takes a `flock` on every
    /// file it opens: shared for reading, exclusive for writing). False when the file does not exist.
    static func isLockedByAnotherProcess(_ path: String) -> Bool {
        #if canImport(Glibc)
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        defer { if descriptor >= 0 { _ = Glibc.close(descriptor) } }
        #else
        let descriptor = Darwin.open(path, O_RDONLY | O_CLOEXEC)
        defer { if descriptor >= 0 { _ = Darwin.close(descriptor) } }
        #endif
        guard descriptor >= 0 else { return false }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        _ = flock(descriptor, LOCK_UN)
        return false
    }

    /// Opens an existing HDF5 file.
    ///
    /// A missing file, a file that is not HDF5 and a truncated or corrupt file all throw;
    /// nothing is printed.
    ///
    /// - Parameters:
    ///   - path: The file path.
    ///   - mode: `.readOnly` (default) or `.readWrite`.
    /// - Throws: `StorageError` with reason `.fileNotFound`, `.notHDF5File` or `.libraryFailure`.
    public static func open(at path: String, mode: AccessMode = .readOnly) throws(StorageError) -> HDF5File {
        let location = ObjectLocation(filePath: path, objectPath: "/")
        return try HDF5Library.run { () throws(StorageError) -> HDF5File in
            guard access(path, F_OK) == 0 else {
                throw location.error(.fileNotFound, "open file")
            }
            let signature = H5Fis_hdf5(path)
            if signature == 0 {
                throw location.error(.notHDF5File, "open file")
            }
            try location.check(signature, "open file", "cannot read the file signature")
            let writable = mode == .readWrite
            let accessList = try makeAccessPropertyList(writable: writable, location: location)
            defer { _ = H5Pclose(accessList) }
            let flags = writable ? chdf5_acc_rdwr() : chdf5_acc_rdonly()
            let identifier = H5Fopen(path, flags, accessList)
            if identifier < 0, isLockedByAnotherProcess(path) {
                _ = location.libraryError("open file")  // clears the library's error stack
                throw location.error(.inUse, "open file")
            }
            try location.check(identifier, "open file")
            closeOnExec(identifier, accessList)
            return HDF5File(path: path, identifier: identifier, isWritable: writable, rootAttributeMessages: AttributeMessageGuard(header: nil))
        }
    }

    /// Runs `body` while holding the module's process-wide HDF5 lock, so that no HDF5 call of
    /// this module (in particular no file being opened) is in progress meanwhile.
    ///
    /// HDF5 opens files without close-on-exec; this module marks each file descriptor
    /// close-on-exec right after the open, under the same lock. A child process started inside
    /// `body` therefore never inherits an HDF5 file descriptor (which would also hold HDF5's
    /// file lock until the child exits). Keep `body` short: it blocks every storage call.
    public static func withLibraryLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        try HDF5Library.lock.withLock(body)
    }

    /// Whether the file is still open.
    public var isOpen: Bool {
        HDF5Library.lock.withLock { identifier >= 0 }
    }

    /// The root group "/".
    public var root: HDF5Group {
        get throws(StorageError) {
            try HDF5Library.run { () throws(StorageError) -> HDF5Group in
                let location = ObjectLocation(filePath: path, objectPath: "/")
                let fileIdentifier = try liveIdentifier(for: "open group", at: location)
                let group = H5Gopen2(fileIdentifier, "/", hid_t(H5P_DEFAULT))
                try location.check(group, "open group")
                return HDF5Group(file: self, identifier: group, location: location, attributeMessages: rootAttributeMessages)
            }
        }
    }

    /// The attributes of the root group.
    public var attributes: HDF5Attributes {
        HDF5Attributes(owner: self)
    }

    /// Writes everything to the file: rows that datasets still buffer, then HDF5's caches.
    ///
    /// After `flush()` returns, a process kill leaves a readable file holding every row
    /// appended so far. A no-op for read-only files.
    ///
    /// - Parameter durable: Also ask the operating system to write the file to the storage
    ///   device (`fsync`), so the data survives a machine crash or power loss. Slower.
    public func flush(durable: Bool = false) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let location = ObjectLocation(filePath: path, objectPath: "/")
            let fileIdentifier = try liveIdentifier(for: "flush file", at: location)
            guard isWritable else { return }
            for member in liveMembers() {
                try member.writePendingRows()
            }
            try location.check(H5Fflush(fileIdentifier, H5F_SCOPE_GLOBAL), "flush file")
            if durable {
                try synchronizeStorage(fileIdentifier, location: location)
            }
        }
    }

    /// Writes buffered rows, closes every group and dataset opened from this file, then the file.
    ///
    /// Closing twice is harmless. Objects opened from the file throw `.closed` afterwards.
    /// - Throws: The first failure met while writing buffered rows or closing; the file is
    ///   closed in any case.
    public func close() throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            guard identifier >= 0 else { return }
            let location = ObjectLocation(filePath: path, objectPath: "/")
            var firstError: StorageError?
            let open = liveMembers()
            if isWritable {
                for member in open {
                    do throws(StorageError) {
                        try member.writePendingRows()
                    } catch {
                        firstError = firstError ?? error
                    }
                }
            }
            for member in open {
                member.closeHandle()
            }
            members.removeAll()
            let status = H5Fclose(identifier)
            identifier = -1
            if status < 0, firstError == nil {
                firstError = location.libraryError("close file")
            }
            if let firstError {
                throw firstError
            }
        }
    }

    // MARK: - Internal

    /// The file identifier, or a `.closed` error; call with the lock held.
    func liveIdentifier(for operation: String, at location: ObjectLocation) throws(StorageError) -> hid_t {
        guard identifier >= 0 else { throw location.error(.closed, operation) }
        return identifier
    }

    /// Throws `.libraryFailure` when the group at `path` below `container` (`"."` for the container
    /// itself) keeps its link names in a local heap with a damaged free list, before libhdf5 looks
    /// a name up in it (`LocalHeapCheck`); each group's heap is read once per open file. Not a
    /// group, or a path libhdf5 cannot resolve: nothing to check here. Lock held by the caller.
    func checkLocalHeap(of path: String, in container: hid_t, location: ObjectLocation, operation: String) throws(StorageError) {
        var information = H5O_info_t()
        guard H5Oget_info_by_name2(container, path, &information, UInt32(H5O_INFO_BASIC), hid_t(H5P_DEFAULT)) >= 0 else {
            _ = HDF5Library.takeErrorMessages()
            return
        }
        guard information.type == H5O_TYPE_GROUP, !checkedLocalHeaps.contains(information.addr) else { return }
        let group = path == "." ? location : location.child(path)
        if let problem = damagedLocalHeaps[information.addr] {
            throw group.error(.libraryFailure, operation, problem)
        }
        let file = try location.check(H5Iget_file_id(container), operation)
        defer { _ = H5Fclose(file) }
        let bytes = try FileBytes(file, location: location, operation: operation)
        if let problem = LocalHeapCheck.problem(groupHeader: UInt64(information.addr), in: bytes) {
            damagedLocalHeaps[information.addr] = problem
            throw group.error(.libraryFailure, operation, problem)
        }
        checkedLocalHeaps.insert(information.addr)
    }

    /// Records that the group `identifier` was created here (its local heap is libhdf5's own), so
    /// that `checkLocalHeap` neither reads it nor flushes the file to do so; lock held.
    func trustLocalHeap(of identifier: hid_t) {
        var information = H5O_info_t()
        if H5Oget_info2(identifier, &information, UInt32(H5O_INFO_BASIC)) >= 0 {
            checkedLocalHeaps.insert(information.addr)
        } else {
            _ = HDF5Library.takeErrorMessages()
        }
    }

    /// Records a member so that `flush()` and `close()` reach it; call with the lock held.
    func register(_ member: any FileMember) {
        members.removeAll { $0.member == nil }
        members.append(WeakFileMember(member))
    }

    private func liveMembers() -> [any FileMember] {
        members.compactMap(\.member)
    }

    private func synchronizeStorage(_ fileIdentifier: hid_t, location: ObjectLocation) throws(StorageError) {
        let accessList = H5Fget_access_plist(fileIdentifier)
        try location.check(accessList, "synchronize file")
        defer { _ = H5Pclose(accessList) }
        var handle: UnsafeMutableRawPointer?
        try location.check(H5Fget_vfd_handle(fileIdentifier, accessList, &handle), "synchronize file")
        guard let handle else {
            throw location.error(.libraryFailure, "synchronize file", "no file descriptor")
        }
        let descriptor = handle.load(as: Int32.self)
        if fsync(descriptor) != 0 {
            throw location.error(.libraryFailure, "synchronize file", "fsync failed with errno \(errno)")
        }
    }

    /// Marks the file descriptor close-on-exec, so that child processes started while the file
    /// is open do not inherit it (and with it HDF5's lock on the file).
    private static func closeOnExec(_ fileIdentifier: hid_t, _ accessList: hid_t) {
        var handle: UnsafeMutableRawPointer?
        if H5Fget_vfd_handle(fileIdentifier, accessList, &handle) >= 0, let handle {
            let descriptor = handle.load(as: Int32.self)
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 {
                _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC)
            }
        } else {
            _ = HDF5Library.takeErrorMessages()
        }
    }

    /// A file access property list; writable files keep all metadata in memory until a flush.
    private static func makeAccessPropertyList(writable: Bool, location: ObjectLocation) throws(StorageError) -> hid_t {
        let accessList = H5Pcreate(chdf5_file_access_plist())
        try location.check(accessList, "create file access properties")
        guard writable else { return accessList }
        var configuration = H5AC_cache_config_t()
        configuration.version = Int32(H5AC__CURR_CACHE_CONFIG_VERSION)
        if H5Pget_mdc_config(accessList, &configuration) < 0 {
            _ = H5Pclose(accessList)
            throw location.libraryError("configure metadata cache")
        }
        // Metadata reaches the disk only during a flush, so a killed writer leaves the
        // metadata of the last flush on disk instead of a mixture of old and new pieces.
        configuration.evictions_enabled = false
        configuration.incr_mode = H5C_incr__off
        configuration.flash_incr_mode = H5C_flash_incr__off
        configuration.decr_mode = H5C_decr__off
        if H5Pset_mdc_config(accessList, &configuration) < 0 {
            _ = H5Pclose(accessList)
            throw location.libraryError("configure metadata cache")
        }
        return accessList
    }
}
