import COpenBLAS
import Dispatch
import Foundation
import SimDBCore

/// How many threads the engine computes with.
///
/// By default the engine runs layer code on the calling thread and leaves OpenBLAS at its own
/// default (the `OPENBLAS_NUM_THREADS` environment variable, else one thread per core), so
/// only the matrix products are parallel.
///
/// ``set(_:)`` switches to the engine's own parallelism: a layer splits its batch (convolution,
/// fully connected), its planes (pooling), its channels (batch normalisation) or its scalars
/// (ReLU) across `n` workers, and each worker calls OpenBLAS single-threaded, as OpenBLAS
/// requires of multi-threaded callers. So `set(n)` also sets OpenBLAS to one thread,
/// process-wide. On the reference network (batch 50, 2 cores) this trained about 15 % faster
/// than OpenBLAS's own threading, which parallelises only the matrix products, and inferred
/// about as fast; a batch of one image runs on one thread either way.
///
/// The setting is global: call it once at start-up (the CLI's `--threads`), not per task.
/// Results are bit-for-bit reproducible for a fixed thread count; parameter gradients summed
/// across workers may differ in the last bits between thread counts.
public enum NNThreads {
    private static let workerCount = LockedCounter(1)

    /// Uses `n` threads for all later layer calls in this process.
    /// - Parameter n: the thread count, at least 1.
    /// - Throws: `SimDBError` with code `.invalidArgument` when `n < 1` or `n > 1024`.
    public static func set(_ n: Int) throws {
        guard n >= 1, n <= 1024 else {
            throw SimDBError(.invalidArgument, "threads must be between 1 and 1024, got \(n)")
        }
        openblas_set_num_threads(1)
        workerCount.value = n
    }

    /// Runs `body` with `n` workers on the current task (or thread) only, leaving the process-wide
    /// setting alone; like ``set(_:)`` it sets OpenBLAS to one thread.
    /// - Parameters:
    ///   - n: the thread count, at least 1.
    ///   - body: the work to run.
    /// - Returns: what `body` returns.
    /// - Throws: `SimDBError` with code `.invalidArgument` for a bad `n`, or what `body` throws.
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) throws -> R {
        guard n >= 1, n <= 1024 else {
            throw SimDBError(.invalidArgument, "threads must be between 1 and 1024, got \(n)")
        }
        openblas_set_num_threads(1)
        return try $scoped.withValue(n, operation: body)
    }

    @TaskLocal private static var scoped: Int?

    /// The number of engine workers for the current task: a ``withThreads(_:_:)`` scope's count,
    /// else the process-wide count (1 until ``set(_:)`` is called).
    public static var current: Int { scoped ?? workerCount.value }

    /// The number of threads OpenBLAS itself currently uses (1 after ``set(_:)``).
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }
}

/// An integer behind a lock, for the process-wide worker count.
private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int

    init(_ value: Int) { stored = value }

    var value: Int {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Fork-join over contiguous chunks of an index range.
enum Parallel {
    /// The least work (scalar operations) worth giving a worker; tests lower it to exercise the
    /// parallel paths on small tensors.
    @TaskLocal static var minimumWorkPerWorker = 65_536

    /// The workers to use for `count` independent items of roughly `itemCost` scalar operations
    /// each: at most ``NNThreads/current``, at most `count`, and fewer when the job is too small
    /// to repay a fork (under ``minimumWorkPerWorker`` operations per worker).
    static func workers(for count: Int, itemCost: Int) -> Int {
        let threads = NNThreads.current
        guard threads > 1, count > 1 else { return 1 }
        let byWork = max(1, (count * max(itemCost, 1)) / max(minimumWorkPerWorker, 1))
        return min(threads, count, byWork)
    }

    /// Splits `0..<count` into `workers` contiguous chunks and runs `body(chunk, worker)` for each,
    /// concurrently when `workers > 1`. `body` must only write state no other chunk touches.
    static func forEachChunk(_ count: Int, workers: Int, _ body: (Range<Int>, Int) -> Void) {
        guard workers > 1, count > 1 else {
            if count > 0 { body(0..<count, 0) }
            return
        }
        let workers = min(workers, count)
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let lower = count * worker / workers, upper = count * (worker + 1) / workers
                box.value(lower..<upper, worker)
            }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; safe because the chunks it is run
/// on write disjoint memory and the call joins before returning.
private struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
