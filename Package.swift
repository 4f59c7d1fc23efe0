// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "simdb",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SimDB", targets: ["SimDB"]),
        .executable(name: "simdb", targets: ["SimDBCLI"]),
        .executable(name: "simdb-samples", targets: ["SimDBSampleImages"]),
        .executable(name: "simdb-crashtest", targets: ["SimDBCrashTest"]),
        .executable(name: "simdb-nn-bench", targets: ["NNBench"]),
        .executable(name: "simdb-fuzz-images", targets: ["SimDBFuzzImages"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // AVX2 + FMA vector kernels, chosen at run time (see the header for why they are C).
        .target(name: "CSimDBKernels"),
        // Value types and extension points; depends only on the kernels above.
        .target(name: "SimDBCore", dependencies: ["CSimDBKernels"]),
        .target(name: "SimDBImageIO", dependencies: ["SimDBCore", "CPNG", "CTurboJPEG"]),
        .target(name: "SimDBStorage", dependencies: ["SimDBCore", "CLMDB"]),
        .target(name: "SimDBIndex", dependencies: ["SimDBCore", "SimDBStorage", "CSimDBKernels"]),
        .target(name: "SimDBBench", dependencies: ["SimDBCore", "SimDBStorage", "SimDBIndex"]),
        .target(name: "SimDBCatalog", dependencies: [
            "SimDBCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // The neural-network engine: tensors, layers with backward passes, Adam (OpenBLAS sgemm).
        .target(name: "SimDBNN", dependencies: ["SimDBCore", "COpenBLAS"]),
        // Network designs and model files.
        .target(name: "SimDBModel", dependencies: ["SimDBCore", "SimDBNN"]),

        // Training: metric-learning losses and mining, later the training loop.
        .target(name: "SimDBTraining", dependencies: [
            "SimDBCore", "SimDBImageIO", "SimDBNN", "SimDBModel", "SimDBEvaluation", "SiameseEncoder",
        ]),
        // Verification and identification figures from scores: ROC, EER, TAR at FAR, rank-1.
        .target(name: "SimDBEvaluation", dependencies: ["SimDBCore"]),

        // The shipped default face model, linked into the binary (see docs/model-card.md).
        .target(name: "CDefaultModel", exclude: ["model"], cSettings: [.headerSearchPath("model")]),

        // simdb's own plugins (not SwiftPM package plugins): one library target each.
        .target(name: "PixelsEncoder", dependencies: ["SimDBCore"], path: "Plugins/PixelsEncoder"),
        .target(name: "SiameseEncoder", dependencies: ["SimDBCore", "SimDBNN", "SimDBModel"], path: "Plugins/SiameseEncoder"),
        .target(name: "HaarCascadeDetector", dependencies: ["SimDBCore"], path: "Plugins/HaarCascadeDetector"),

        // The public facade that other Swift services link.
        .target(name: "SimDB", dependencies: [
            "SimDBCore", "SimDBImageIO", "SimDBStorage", "SimDBIndex", "SimDBCatalog", "SimDBEvaluation", "PixelsEncoder", "SiameseEncoder",
            "HaarCascadeDetector", "CDefaultModel",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Deterministic synthetic pictures for the demo and the tests (never for accuracy figures).
        .target(name: "SimDBSamples", dependencies: ["SimDBCore", "SimDBImageIO"]),
        .executableTarget(name: "SimDBSampleImages", dependencies: ["SimDB", "SimDBSamples", "SimDBCore", "SimDBImageIO"]),

        // kill -9 tests of the write protocol: a worker writing at random, killed again and again.
        .executableTarget(name: "SimDBCrashTest", dependencies: ["SimDB", "SimDBCore", "SimDBSamples"]),

        // libFuzzer target over the image decoders (`make fuzz`); a plain build reruns crash files.
        .executableTarget(name: "SimDBFuzzImages", dependencies: ["SimDBCore", "SimDBImageIO"]),

        // Benchmarks against peers (benchmarks/compare_nn.py runs this beside PyTorch).
        .executableTarget(name: "NNBench", dependencies: ["SimDBCore", "SimDBNN", "COpenBLAS"], path: "benchmarks/NNBench"),

        // The command line.
        .executableTarget(name: "SimDBCLI", dependencies: [
            "SimDB", "SimDBTraining", "SimDBModel", "SimDBNN", "SimDBBench", "HaarCascadeDetector",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "SimDBTestSupport", path: "Tests/SimDBTestSupport"),
        .testTarget(name: "SimDBCoreTests", dependencies: ["SimDBCore"]),
        .testTarget(name: "SimDBImageIOTests", dependencies: ["SimDBImageIO", "CTurboJPEG", "SimDBTestSupport"]),
        .testTarget(name: "SimDBStorageTests", dependencies: ["SimDBStorage"]),
        .testTarget(name: "SimDBIndexTests", dependencies: ["SimDBIndex", "SimDBStorage"]),
        .testTarget(name: "SimDBBenchTests", dependencies: ["SimDBBench", "SimDBIndex"]),
        .testTarget(name: "SimDBCatalogTests", dependencies: ["SimDBCatalog", "SimDBTestSupport"]),
        .testTarget(name: "SimDBNNTests", dependencies: ["SimDBNN"]),
        .testTarget(name: "SimDBModelTests", dependencies: ["SimDBModel"]),
        .testTarget(name: "SimDBTrainingTests", dependencies: ["SimDBTraining"]),
        .testTarget(name: "SimDBEvaluationTests", dependencies: ["SimDBEvaluation"]),
        .testTarget(name: "PixelsEncoderTests", dependencies: ["PixelsEncoder"]),
        .testTarget(name: "HaarCascadeDetectorTests", dependencies: ["HaarCascadeDetector", "SimDBImageIO", "SimDBTestSupport"]),
        .testTarget(name: "SiameseEncoderTests", dependencies: ["SiameseEncoder", "SimDBModel"]),
        .testTarget(name: "SimDBTests", dependencies: [
            "SimDB", "SimDBCatalog", "SimDBSamples", "SimDBTestSupport", "HaarCascadeDetector", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "SimDBCLITests", dependencies: [
            "SimDBCLI", "SimDBCrashTest", "SimDB", "SimDBSamples", "SimDBTestSupport", "SimDBBench",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
