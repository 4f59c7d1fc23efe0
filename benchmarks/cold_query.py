#!/usr/bin/env python3
"""Cold `simdb query` on a store of 1,000 people: the median wall time of fresh processes.

Usage: benchmarks/cold_query.py [--data ../shared/data] [--runs 21] [--people 1000] [--bin .build/release/simdb]

Enrols the largest face of the first image of the first N LFW-train identities (in name order) with the default
encoder, then runs `simdb query PROBE --k 5 --json` RUNS times, each a new process (model load,
decode, encode, exact search over N people, audit row), with probes cycling over second images of
enrolled people. Prints every figure it measures; the issue's target is a median under 0.3 s.
Build first: swift build -c release --product simdb
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--bin", default=".build/release/simdb")
    args = parser.parse_args()
    lfw = os.path.join(args.data, "lfw-train")
    if not os.path.isdir(lfw):
        sys.exit(f"skipping: {lfw} is absent")
    names = sorted(os.listdir(lfw))[: args.people]
    with tempfile.TemporaryDirectory() as work:
        people = os.path.join(work, "people")
        probes = []
        for name in names:
            files = sorted(os.listdir(os.path.join(lfw, name)))
            os.makedirs(os.path.join(people, name))
            os.symlink(os.path.abspath(os.path.join(lfw, name, files[0])), os.path.join(people, name, files[0]))
            if len(files) > 1:
                probes.append(os.path.abspath(os.path.join(lfw, name, files[1])))
        store = os.path.join(work, "store")
        start = time.perf_counter()
        # The largest face of each picture; pictures with none are skipped (and make the exit status non-zero).
        added = subprocess.run([args.bin, "add", "--from", people, "--largest-face", "--json", "--store", store],
                               capture_output=True, text=True)
        if not added.stdout:
            sys.exit(f"cold_query.py: enrolment failed: {added.stderr.strip()}")
        skipped = json.loads(added.stdout).get("skipped", [])
        print(f"enrolled {len(names) - len(skipped)} people in {time.perf_counter() - start:.1f} s "
              f"({len(skipped)} pictures skipped: no face found)")
        times, correct = [], 0
        for run in range(args.runs):
            probe = probes[run % len(probes)]
            start = time.perf_counter()
            result = subprocess.run([args.bin, "query", probe, "--k", "5", "--json", "--store", store],
                                    check=True, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            answer = json.loads(result.stdout)
            results = (answer[0] if isinstance(answer, list) else answer)["results"]  # several faces: the largest's
            correct += bool(results) and results[0]["id"] == os.path.basename(os.path.dirname(probe))
        times.sort()
        print(f"cold query, {len(names)} people, {args.runs} runs: median {statistics.median(times) * 1000:.0f} ms, "
              f"min {times[0] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; "
              f"the probe's person ranked first {correct} of {args.runs} times")


if __name__ == "__main__":
    main()
