// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "simdb",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SimDB", targets: ["SimDB"]),
        .executable(name: "simdb", targets: ["SimDBCLI"]),
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

        // Value types and extension points; depends on nothing.
        .target(name: "SimDBCore"),
        .target(name: "SimDBImageIO", dependencies: ["SimDBCore", "CPNG", "CTurboJPEG"]),
        .target(name: "SimDBStorage", dependencies: ["SimDBCore", "CLMDB"]),
        .target(name: "SimDBIndex", dependencies: ["SimDBCore"]),
        .target(name: "SimDBCatalog", dependencies: [
            "SimDBCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // simdb's own plugins (not SwiftPM package plugins): one library target each.
        .target(name: "PixelsEncoder", dependencies: ["SimDBCore", "SimDBImageIO"], path: "Plugins/PixelsEncoder"),

        // The public facade that other Swift services link.
        .target(name: "SimDB", dependencies: [
            "SimDBCore", "SimDBImageIO", "SimDBStorage", "SimDBIndex", "SimDBCatalog", "PixelsEncoder",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The command line.
        .executableTarget(name: "SimDBCLI", dependencies: [
            "SimDB",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SimDBCoreTests", dependencies: ["SimDBCore"]),
        .testTarget(name: "SimDBImageIOTests", dependencies: ["SimDBImageIO"]),
        .testTarget(name: "SimDBStorageTests", dependencies: ["SimDBStorage"]),
        .testTarget(name: "SimDBIndexTests", dependencies: ["SimDBIndex"]),
        .testTarget(name: "SimDBCatalogTests", dependencies: ["SimDBCatalog"]),
        .testTarget(name: "PixelsEncoderTests", dependencies: ["PixelsEncoder", "SimDBImageIO"]),
        .testTarget(name: "SimDBTests", dependencies: ["SimDB"]),
        .testTarget(name: "SimDBCLITests", dependencies: ["SimDBCLI", "SimDBImageIO"]),
    ]
)
