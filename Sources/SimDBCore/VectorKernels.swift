import CSimDBKernels

/// SIMD kernels behind the built-in metrics.
///
/// Eight lanes at a time with `acc += a * b` (which compiles to vector multiply-add; the
/// `addingProduct` spelling becomes a slow per-lane call on x86-64 without `-target-cpu`), then a
/// scalar tail. Unaligned loads, so any `Float` buffer works.
public enum VectorKernels {
    /// Whether this CPU runs the AVX2 + FMA kernels of `CSimDBKernels` (x86-64 only). Swift
    /// code is compiled for baseline x86-64 (SSE2), so on such CPUs `squaredL2` and `dot` call
    /// the C kernels, which carry their own target attribute, for vectors of 16 or more values.
    public static let hasAVX2: Bool = simdb_kernels_have_avx2() != 0

    /// `Σ aᵢ bᵢ`.
    @inlinable
    public static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "vectors differ in length")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        let n = a.count
        #if arch(x86_64)
        if n >= 16, hasAVX2 { return simdb_dot_avx2(pa, pb, n) }
        #endif
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            i += 16
        }
        if i + 8 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            sum += pa[i] * pb[i]
            i += 1
        }
        return sum
    }

    /// `Σ (aᵢ − bᵢ)²`.
    @inlinable
    public static func squaredL2(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "vectors differ in length")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        let n = a.count
        #if arch(x86_64)
        if n >= 16, hasAVX2 { return simdb_squared_l2_avx2(pa, pb, n) }
        #endif
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            i += 16
        }
        if i + 8 <= n {
            let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc0 += d0 * d0
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            let d = pa[i] - pb[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// `(a·b, a·a, b·b)` in one pass, for cosine.
    @inlinable
    public static func dotAndNorms(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>)
        -> (dot: Float, aa: Float, bb: Float)
    {
        precondition(a.count == b.count, "vectors differ in length")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return (0, 0, 0) }
        let n = a.count
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var ab = SIMD8<Float>(), aa = SIMD8<Float>(), bb = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let x = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let y = rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ab += x * y
            aa += x * x
            bb += y * y
            i += 8
        }
        var (sab, saa, sbb) = (ab.sum(), aa.sum(), bb.sum())
        while i < n {
            sab += pa[i] * pb[i]
            saa += pa[i] * pa[i]
            sbb += pb[i] * pb[i]
            i += 1
        }
        return (sab, saa, sbb)
    }

    /// `out[j] = Σ (qᵢ − base[j·n + i])²` for `count` vectors of `query.count` values stored back
    /// to back at `base`: one call for a run of vectors, for scans.
    @inlinable
    public static func squaredL2(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                                 into out: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if query.count >= 16, hasAVX2, let q = query.baseAddress {
            return simdb_squared_l2_batch_avx2(q, base, count, query.count, out)
        }
        #endif
        forEach(query, batch: base, count: count, into: out, squaredL2)
    }

    /// `out[j] = Σ qᵢ base[j·n + i]` for `count` vectors stored back to back at `base`.
    @inlinable
    public static func dot(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                           into out: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if query.count >= 16, hasAVX2, let q = query.baseAddress {
            return simdb_dot_batch_avx2(q, base, count, query.count, out)
        }
        #endif
        forEach(query, batch: base, count: count, into: out, dot)
    }

    /// `out[j] = kernel(query, vector j)`: the portable form of the batch kernels.
    @inlinable
    static func forEach(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                        into out: UnsafeMutablePointer<Float>,
                        _ kernel: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Float) {
        let n = query.count
        for j in 0..<count { out[j] = kernel(query, UnsafeBufferPointer(start: base + j * n, count: n)) }
    }
}
