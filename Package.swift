// swift-tools-version: 6.1
import PackageDescription

#if arch(x86_64)
let neuralKernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let neuralKernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "PlaqueFEM",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plaquefem", targets: ["PlaqueFEMCLI"]),
        .executable(name: "plaquefem-bench", targets: ["PlaqueFEMBenchmarks"]),
        .library(name: "FEM", targets: ["FEM"]),
        .library(name: "Meshing", targets: ["Meshing"]),
        .library(name: "Sparse", targets: ["Sparse"]),
        .library(name: "Neural", targets: ["Neural"]),
        .executable(name: "neural-bench", targets: ["NeuralBenchmarks"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Raster", targets: ["Raster"]),
        .library(name: "Labeling", targets: ["Labeling"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Learning", targets: ["Learning"]),
        .library(name: "Sampling", targets: ["Sampling"]),
        .executable(name: "storage-crash-writer", targets: ["StorageCrashWriter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Thin C shims over Debian's system libraries: module maps and one-line accessors only.
        .systemLibrary(name: "CSuiteSparse", path: "Sources/CSuiteSparse"),
        .systemLibrary(name: "CMUMPS", path: "Sources/CMUMPS"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CCPUFeatures", path: "Sources/CCPUFeatures"),
        .target(name: "CHDF5", path: "Sources/CHDF5", linkerSettings: [.linkedLibrary("hdf5_serial")]),

        .target(name: "Sparse", dependencies: ["CSuiteSparse", "CMUMPS", "COpenBLAS"]),
        .target(name: "Meshing"),
        .target(name: "FEM", dependencies: ["Sparse", "Meshing"]),
        // Direct convolution kernels compiled for AVX2 + FMA on x86-64; Neural calls them only after
        // the run-time CPU check of CCPUFeatures (DirectConvolution.isAvailable).
        .target(name: "NeuralKernels", dependencies: ["CCPUFeatures"], swiftSettings: neuralKernelSettings),
        .target(name: "Neural", dependencies: ["COpenBLAS", "NeuralKernels"]),
        .target(name: "Storage", dependencies: ["CHDF5"]),
        .target(name: "Raster", dependencies: ["CPNG"]),
        .target(name: "Labeling", dependencies: ["FEM", "Meshing", "Raster"]),
        .target(name: "Datasets", dependencies: ["Storage", "Labeling", "Raster", "Meshing"]),
        .target(name: "Learning", dependencies: ["Neural", "Storage", "Raster"]),
        .target(name: "Sampling", dependencies: ["Learning", "Neural", "Labeling", "Datasets", "Raster", "Storage", "CZlib"]),
        .executableTarget(
            name: "PlaqueFEMCLI",
            dependencies: [
                "FEM", "Meshing", "Sparse", "Raster", "Storage", "Labeling", "Datasets", "Learning", "Sampling", "Neural", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "PlaqueFEMBenchmarks", dependencies: ["FEM", "Meshing", "Sparse", "Raster", "Labeling", "CMalloc"]),
        .executableTarget(name: "NeuralBenchmarks", dependencies: ["Neural", "CMalloc"]),
        // A child process for the kill-and-reopen crash-safety test of Storage.
        .executableTarget(name: "StorageCrashWriter", dependencies: ["Storage"]),

        .testTarget(name: "SparseTests", dependencies: ["Sparse"]),
        .testTarget(name: "MeshingTests", dependencies: ["Meshing"]),
        .testTarget(name: "MaskMeshingTests", dependencies: ["Meshing", "FEM"]),
        .testTarget(name: "FEMTests", dependencies: ["FEM", "Meshing", "Sparse"]),
        .testTarget(name: "NeuralTests", dependencies: ["Neural"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "StorageCrashWriter"]),
        .testTarget(name: "RasterTests", dependencies: ["Raster"]),
        .testTarget(name: "LabelingTests", dependencies: ["Labeling", "Raster", "FEM"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Labeling", "Storage"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Neural", "Storage"]),
        .testTarget(name: "SamplingTests", dependencies: ["Sampling", "Learning", "Neural", "Labeling", "Datasets", "Raster", "Storage", "CZlib"]),
        .testTarget(name: "PlaqueFEMCLITests", dependencies: ["PlaqueFEMCLI", "Storage", "Datasets", "Learning"]),
    ]
)
