import CDefaultModel
import SiameseEncoder
import SimDBCore

/// The face encoder simdb ships: a Siamese CNN that the project trains itself
/// (`scripts/train-default-model.sh`; data, command and figures in docs/model-card.md).
///
/// The model file is linked into every binary that links `SimDB`, so the `simdb` command and
/// library users find it wherever they are built or copied, with no files to install. It was
/// trained on faces framed as the pipeline frames them, and its file records that framing
/// (``ImageInputSpec/faceMargin``).
public enum DefaultModel {
    /// The encoder identifier recorded in the model, and the default encoder of new stores.
    public static let identifier = "siamese-face/3"

    /// The model file as linked into the binary (read-only, alive for the process's life).
    public static var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: simdb_default_model_bytes(), count: simdb_default_model_size())
    }

    /// The encoder every store of this process shares, built on first use. (An encoder is safe
    /// to share: it serialises its calls.)
    static let shared = Result { try makeEncoder() }

    /// Builds a new encoder from the linked bytes (checksum, header, weights: milliseconds).
    /// - Throws: ``SimDBError`` `.corruptStore` if the linked model is damaged (a broken build).
    public static func makeEncoder() throws -> SiameseEncoder {
        try SiameseEncoder(modelBytes: bytes, name: "the built-in model \(identifier)")
    }
}
