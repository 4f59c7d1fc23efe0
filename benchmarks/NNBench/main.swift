// simdb-nn-bench: the SimDBNN side of benchmarks/compare_nn.py. Prints images per second of
// forward, forward+backward and a full AdamW training step for the reference twin of issue 3
// (64x64 grey, batch 50), medians of RUNS rounds of ITERS batches, per thread mode given as
// the first argument ("1,2": the engine's workers; "blas2": one worker, OpenBLAS threads).
import Foundation
import SimDBCore
import SimDBNN
import COpenBLAS

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func referenceNet(seed: UInt64) -> Sequential {
    var g = GaussianGenerator(seed: seed)
    let first = Conv2D(inChannels: 1, outChannels: 32, kernelSize: 5, padding: 2, generator: &g)
    first.computesInputGradient = false
    return Sequential([
        first, ReLU(), MaxPool2D(kernelSize: 2),
        Conv2D(inChannels: 32, outChannels: 64, kernelSize: 5, padding: 2, generator: &g), ReLU(), MaxPool2D(kernelSize: 2),
        Conv2D(inChannels: 64, outChannels: 128, kernelSize: 3, padding: 1, generator: &g), ReLU(), MaxPool2D(kernelSize: 2),
        Flatten(),
        Linear(inFeatures: 8192, outFeatures: 256, generator: &g), ReLU(),
        Linear(inFeatures: 256, outFeatures: 128, generator: &g),
        L2Normalize(),
    ])
}

let args = CommandLine.arguments
let batch = 50
let runs = Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 7
let iterations = Int(ProcessInfo.processInfo.environment["ITERS"] ?? "") ?? 4
let threadList = args.count > 1 ? args[1].split(separator: ",").map(String.init) : ["1", "2"]
let profile = ProcessInfo.processInfo.environment["PROFILE"] != nil

let net = referenceNet(seed: 1)
print("parameters: \(net.parameterCount)")
var g = GaussianGenerator(seed: 2)
let input = Tensor.randomNormal(shape: [batch, 1, 64, 64], generator: &g)
let outGrad = Tensor.randomNormal(shape: [batch, 128], standardDeviation: 0.01, generator: &g)
let adam = Adam(parameters: net.parameters, schedule: .constant(1e-4), weightDecay: 1e-4)

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func measure(_ body: () -> Void) -> Double {
    body()  // warm-up
    var rates: [Double] = []
    for _ in 0..<runs {
        let t0 = now()
        for _ in 0..<iterations { body() }
        rates.append(Double(batch * iterations) / (now() - t0))
    }
    return median(rates)
}

for mode in threadList {
    // "N": the engine's N workers (OpenBLAS single-threaded); "blasN": 1 worker, OpenBLAS N threads.
    let threads: Int
    if mode.hasPrefix("blas") {
        threads = Int(mode.dropFirst(4)) ?? 1
        try NNThreads.set(1)
        openblas_set_num_threads(Int32(threads))
    } else {
        threads = Int(mode) ?? 1
        try NNThreads.set(threads)
    }
    let inference = measure { _ = net.forward(input, training: false) }
    let training = measure {
        net.zeroGradients()
        _ = net.forward(input, training: true)
        _ = net.backward(outGrad)
    }
    let step = measure {
        net.zeroGradients()
        _ = net.forward(input, training: true)
        _ = net.backward(outGrad)
        adam.update()
    }
    print(String(format: "%@ threads %d: forward %.1f img/s, forward+backward %.1f img/s, +adam %.1f img/s",
                 mode.hasPrefix("blas") ? "openblas" : "engine", threads, inference, training, step))
    if profile {
        var fwd = [Double](repeating: 0, count: net.layers.count)
        var bwd = fwd
        for _ in 0..<5 {
            var x = input
            for (i, layer) in net.layers.enumerated() {
                let t0 = now(); x = layer.forward(x, training: true); fwd[i] += now() - t0
            }
            var dy = outGrad
            for (i, layer) in net.layers.enumerated().reversed() {
                let t0 = now(); dy = layer.backward(dy); bwd[i] += now() - t0
            }
        }
        for (i, layer) in net.layers.enumerated() {
            print(String(format: "  %-12@ fwd %7.2f ms  bwd %7.2f ms", String(describing: type(of: layer)) as NSString,
                         fwd[i] / 5 * 1000, bwd[i] / 5 * 1000))
        }
    }
}
