import Storage

/// The per-epoch training history stored in a model file's `/history` group.
///
/// Datasets (one row per epoch): `epoch` int64, `train_loss` float64 and
/// `validation_loss` float64 (NaN where there was no validation set); losses are MSE in
/// normalized stress units squared for the surrogate.
public enum TrainingHistory {
    /// Writes `/history` for surrogate epoch records (replacing nothing: the group must not exist).
    public static func write(_ records: [SurrogateEpochRecord], into file: HDF5File) throws(LearningError) {
        try write(epochs: records.map { Int64($0.epoch) }, trainingLoss: records.map(\.trainingLoss),
                  validationLoss: records.map { $0.validationLoss ?? .nan }, into: file)
    }

    /// Writes `/history` from columns of equal length.
    public static func write(epochs: [Int64], trainingLoss: [Double], validationLoss: [Double], into file: HDF5File) throws(LearningError) {
        guard epochs.count == trainingLoss.count, epochs.count == validationLoss.count else {
            throw .mismatchedInputs("history columns of \(epochs.count), \(trainingLoss.count) and \(validationLoss.count) rows")
        }
        try storage { () throws(StorageError) in
            let group = try file.createGroup("history")
            defer { group.close() }
            let epoch = try group.createDataset("epoch", elementType: Int64.self, shape: [epochs.count])
            try epoch.write(epochs)
            try epoch.close()
            let train = try group.createDataset("train_loss", elementType: Double.self, shape: [epochs.count])
            try train.write(trainingLoss)
            try train.attributes.set("units", to: "normalized stress squared")
            try train.close()
            let validation = try group.createDataset("validation_loss", elementType: Double.self, shape: [epochs.count])
            try validation.write(validationLoss)
            try validation.attributes.set("units", to: "normalized stress squared")
            try validation.attributes.set("description", to: "NaN where no validation set was used")
            try validation.close()
        }
    }
}
