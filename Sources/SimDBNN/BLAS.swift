import COpenBLAS

/// Thin typed wrappers over `cblas_sgemm` (row-major), so layers pass `Int`s and pointers.
enum BLAS {
    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, all row-major.
    ///
    /// - Parameters:
    ///   - transposeA: use `Aᵀ` (A is stored `k×m`) instead of `A` (stored `m×k`).
    ///   - transposeB: use `Bᵀ` (B is stored `n×k`) instead of `B` (stored `k×n`).
    ///   - lda, ldb, ldc: row strides; `nil` means tightly packed.
    @inline(__always)
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil, b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda ?? (transposeA ? m : k)), b, blasint(ldb ?? (transposeB ? k : n)),
            beta, c, blasint(ldc ?? n))
    }
}
