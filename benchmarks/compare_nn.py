#!/usr/bin/env python3
"""SimDBNN against PyTorch on the reference twin, runs alternated, medians compared.

    swift build -c release --product simdb-nn-bench
    python3 benchmarks/compare_nn.py [ROUNDS=5] [THREADS=1,2]

Each round runs the Swift benchmark and then benchmarks/nn_vs_pytorch.py; the ratio is
Swift's median over PyTorch's. Skips (exit 0) when torch is not installed.
"""
import os, re, statistics, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import torch  # noqa: F401
except ImportError:
    print("skipping: PyTorch is not installed (pip install torch)")
    sys.exit(0)
swift = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root,
                       capture_output=True, text=True).stdout.strip() + "/simdb-nn-bench"
if not os.path.exists(swift):
    sys.exit(f"build it first: swift build -c release --product simdb-nn-bench ({swift} is missing)")
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
modes = sys.argv[2] if len(sys.argv) > 2 else "1,2"
pattern = re.compile(r"threads (\d+): forward ([\d.]+) img/s, forward\+backward ([\d.]+) img/s, \+adamw? ([\d.]+)")
results = {}
for _ in range(rounds):
    for name, command in [("swift", [swift, modes]),
                          ("torch", [sys.executable, os.path.join(root, "benchmarks/nn_vs_pytorch.py"),
                                     "--threads", modes, "--runs", "3"])]:
        output = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, RUNS="3")).stdout
        for line in output.splitlines():
            match = pattern.search(line)
            if match:
                for kind, value in zip(("forward", "fwd+bwd", "step"), match.groups()[1:]):
                    results.setdefault((name, int(match.group(1)), kind), []).append(float(value))
for threads in sorted({key[1] for key in results}):
    for kind in ("forward", "fwd+bwd", "step"):
        s, p = statistics.median(results[("swift", threads, kind)]), statistics.median(results[("torch", threads, kind)])
        print(f"threads {threads} {kind:8s}: simdb {s:7.1f} img/s  pytorch {p:7.1f} img/s  ratio {s / p:5.2f}")
