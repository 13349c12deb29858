/// Combines label files written by separate processes (e.g. `label --shard K/N` in an array
/// job) into one file, rows ordered by input index.
public enum LabelFileMerger {
    /// What a merge did.
    public struct Summary: Sendable, Equatable {
        /// Rows in the merged file.
        public var rows: Int
        /// Rows that appeared in more than one input with identical content (kept once).
        public var duplicatesSkipped: Int
        /// Input indices of the job that no file holds (empty when complete or unknown).
        public var missingInputIndices: [Int64]
    }

    /// Merges `paths` into a new file at `output`.
    ///
    /// The files must share grid, pixel size, labeling options, optional columns and the job's
    /// input count; shards of one job must agree on the shard count. A row that appears in
    /// two files is kept once if both copies are identical, and is an error otherwise.
    /// - Throws: `.incompatibleShards` naming the file and what differs; `.storage`.
    public static func merge(_ paths: [String], into output: String, provenance: Provenance,
                             overwrite: Bool = false) throws(DatasetError) -> Summary {
        guard let firstPath = paths.first else { throw .incompatibleShards(reason: "no input files") }
        let files = try paths.map { (path) throws(DatasetError) in try LabelFileReader.read(at: path) }
        let reference = files[0].configuration
        for (path, file) in zip(paths, files).dropFirst() {
            let c = file.configuration
            var differences: [String] = []
            if c.rows != reference.rows || c.columns != reference.columns { differences.append("mask size") }
            if c.pixelSize != reference.pixelSize { differences.append("pixel size") }
            if c.options.canonicalJSON != reference.options.canonicalJSON { differences.append("labeling options") }
            if c.latentDimension != reference.latentDimension || c.tracksRounds != reference.tracksRounds
                || c.storesGridOrigins != reference.storesGridOrigins || c.storesWallMechanics != reference.storesWallMechanics
                || c.storesComponents != reference.storesComponents {
                differences.append("optional columns")
            }
            if c.inputCount != reference.inputCount { differences.append("number of inputs of the job") }
            if let a = c.shard?.count, let b = reference.shard?.count, a != b { differences.append("shard count (\(a) vs \(b))") }
            if !differences.isEmpty {
                throw .incompatibleShards(reason: "\(path) differs from \(firstPath) in " + differences.joined(separator: ", "))
            }
        }

        var byIndex: [Int64: (record: LabelRecord, path: String)] = [:]
        var duplicates = 0
        for (path, file) in zip(paths, files) {
            for row in 0..<file.count {
                let record = file.record(row)
                if let earlier = byIndex[record.inputIndex] {
                    guard earlier.record == record else {
                        throw .incompatibleShards(reason: "input \(record.inputIndex) (\(record.source)) differs between \(earlier.path) and \(path)")
                    }
                    duplicates += 1
                } else {
                    byIndex[record.inputIndex] = (record, path)
                }
            }
        }
        var configuration = reference
        configuration.shard = nil
        let writer = try LabelFileWriter.create(at: output, configuration: configuration, provenance: provenance, overwrite: overwrite)
        for index in byIndex.keys.sorted() { try writer.append(byIndex[index]!.record) }
        try writer.close()
        let missing = reference.inputCount.map { count in (0..<Int64(count)).filter { byIndex[$0] == nil } } ?? []
        return Summary(rows: byIndex.count, duplicatesSkipped: duplicates, missingInputIndices: missing)
    }
}
