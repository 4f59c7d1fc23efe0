/// Element-wise kernels over contiguous `Float` buffers, eight lanes at a time.
///
/// Branch-free (lane masks instead of per-element branches, which mispredict on the random
/// signs of activations) with unaligned SIMD loads and a scalar tail.
enum Kernels {
    /// `y = max(x, 0)`.
    static func relu(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
        let n = x.count
        let xr = UnsafeRawPointer(xp), yr = UnsafeMutableRawPointer(yp)
        let zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let v = xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            yr.storeBytes(of: v.replacing(with: zero, where: v .< zero), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            yp[i] = max(xp[i], 0)
            i += 1
        }
    }

    /// `dx = y > 0 ? dy : 0`.
    static func reluBackward(
        output y: UnsafeBufferPointer<Float>, outputGradient dy: UnsafeBufferPointer<Float>,
        into dx: UnsafeMutableBufferPointer<Float>
    ) {
        guard let yp = y.baseAddress, let gp = dy.baseAddress, let dp = dx.baseAddress else { return }
        let n = y.count
        let yr = UnsafeRawPointer(yp), gr = UnsafeRawPointer(gp), dr = UnsafeMutableRawPointer(dp)
        let zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let v = yr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let g = gr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            dr.storeBytes(of: g.replacing(with: zero, where: v .<= zero), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            dp[i] = yp[i] > 0 ? gp[i] : 0
            i += 1
        }
    }

    /// `Σ p[i]` over a contiguous run.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = acc.sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }

    /// `y[i] += x[i]`.
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            y[i] += x[i]
        }
    }

    /// `Σ (p[i] − mean)²`.
    static func sumSquaredDeviations(_ p: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var acc = SIMD8<Float>()
        let m = SIMD8<Float>(repeating: mean)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= count {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            acc += d * d
            i += 8
        }
        var total = acc.sum()
        while i < count {
            let d = p[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// `(Σ a[i], Σ a[i]·b[i])`.
    static func sumAndDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> (Float, Float) {
        var sum = SIMD8<Float>(), dot = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= count {
            let va = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            sum += va
            dot += va * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = sum.sum(), d = dot.sum()
        while i < count {
            s += a[i]
            d += a[i] * b[i]
            i += 1
        }
        return (s, d)
    }
}
