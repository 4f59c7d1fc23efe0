#!/usr/bin/env python3
"""PyTorch (CPU) side of the SimDBNN speed comparison.

Builds the reference Siamese tower from issue 3 (64x64 grey input; conv5x5-32 pad 2, ReLU,
maxpool 2; conv5x5-64 pad 2, ReLU, maxpool 2; conv3x3-128 pad 1, ReLU, maxpool 2; flatten 8192;
FC 8192->256, ReLU; FC 256->128; L2-normalise), batch 50, and reports the median throughput in
images per second of inference (forward, no grad, eval mode), forward+backward, and a full
training step (forward+backward+AdamW), for each requested thread count. Compare with the
SimDBNN engine's figures for the same architecture, batch and thread count measured in the same
session, interleaving the two (these 2-core machines are noisy), and quote the ratio of medians.
Backward skips the first layer's input gradient on both sides (PyTorch skips it because the
input does not require grad; the Swift side sets Conv2D.computesInputGradient = false).

Usage: python3 benchmarks/nn_vs_pytorch.py [--threads 1,2] [--runs 7] [--iters 4] [--json]
Skips (exit 0, with a message) when torch is not installed.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("skipping: PyTorch is not installed (pip install torch)")
    sys.exit(0)


class Tower(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.fc1 = nn.Linear(8192, 256)
        self.fc2 = nn.Linear(256, 128)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        x = torch.flatten(x, 1)
        x = self.fc2(F.relu(self.fc1(x)))
        return F.normalize(x, dim=1, eps=1e-12)


def measure(body, batch, runs, iters):
    body()  # warm-up
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(iters):
            body()
        rates.append(batch * iters / (time.perf_counter() - t0))
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--iters", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(1)
    model = Tower()
    x = torch.randn(args.batch, 1, 64, 64)
    grad = torch.randn(args.batch, 128) * 0.01
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)

        def inference():
            model.eval()
            with torch.no_grad():
                model(x)

        def forward_backward():
            model.train()
            model.zero_grad(set_to_none=False)
            model(x).backward(grad)

        def train_step():
            forward_backward()
            opt.step()

        row = {
            "threads": threads,
            "forward": measure(inference, args.batch, args.runs, args.iters),
            "forward_backward": measure(forward_backward, args.batch, args.runs, args.iters),
            "train_step": measure(train_step, args.batch, args.runs, args.iters),
        }
        results.append(row)
        if not args.json:
            print("pytorch %s threads %d: forward %.1f img/s, forward+backward %.1f img/s, +adamw %.1f img/s"
                  % (torch.__version__, threads, row["forward"], row["forward_backward"], row["train_step"]))
    if args.json:
        print(json.dumps({"torch": torch.__version__, "batch": args.batch, "results": results}))


if __name__ == "__main__":
    main()
