#!/usr/bin/env python3
"""The peers of `simdb bench`: FAISS (IndexFlatL2, IndexHNSWFlat) and hnswlib on the same vectors.

Generates (or reads) .fvecs base and query files and an .ivecs ground truth, then measures each
peer with the same M, efConstruction, efSearch sweep, k and thread count, and prints a table
(and --json). With --simdb PATH it also runs `PATH bench` on the same files and prints the
ratios side by side. With --alternate N it then re-measures only the searches N more times,
alternating each peer with `simdb bench --keep DIR --reuse` (no rebuilds), and prints each
round's ratios and their medians: one run on a shared machine is not a measurement.

    pip install faiss-cpu hnswlib numpy      # the script skips a peer whose package is missing
    python3 benchmarks/ann_peers.py --n 100000 --dim 128 --threads 1 --out /tmp/ann

Data: x = normalise(c + N(0, sigma^2 I)) around --clusters centres c uniform on the unit sphere,
queries drawn the same way (issue 4's protocol). Uniform random vectors are a degenerate case for
every graph index and are not what simdb serves.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np


def sphere_points(count, dim, rng):
    centres = rng.standard_normal((count, dim)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def clustered(n, centres, sigma, rng):
    """normalise(c + N(0, sigma^2 I)) with c drawn from `centres`."""
    x = centres[rng.integers(0, len(centres), n)] + sigma * rng.standard_normal((n, centres.shape[1])).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def write_vecs(path, rows, dtype):
    rows = np.ascontiguousarray(rows, dtype=dtype)
    n, d = rows.shape
    out = np.empty((n, d + 1), dtype=np.int32)
    out[:, 0] = d
    out[:, 1:] = rows.view(np.int32)
    out.tofile(path)


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    d = int(raw[0])
    return raw.reshape(-1, d + 1)[:, 1:].copy().view(dtype)


def exact_truth(base, queries, k):
    """Exact k nearest by squared L2, in blocks (numpy only)."""
    norms = (base * base).sum(axis=1)
    truth = np.empty((len(queries), k), dtype=np.int32)
    for start in range(0, len(queries), 256):
        q = queries[start:start + 256]
        d = norms[None, :] - 2 * q @ base.T
        part = np.argpartition(d, k, axis=1)[:, :k]
        order = np.take_along_axis(d, part, axis=1).argsort(axis=1)
        truth[start:start + 256] = np.take_along_axis(part, order, axis=1)
    return truth


def recall(found, truth, k):
    hits = sum(len(set(f[:k]) & set(t[:k])) for f, t in zip(found, truth))
    return hits / (len(truth) * k)


def one_at_a_time(search, queries, rounds=1):
    """QPS and p50/p99 latency (ms) of single-query calls, and the answers: of the round with the
    median QPS when the queries run `rounds` times, as `simdb bench --rounds` reports."""
    results = []
    for _ in range(max(1, rounds)):
        times, answers = [], []
        for q in queries:
            start = time.perf_counter()
            answers.append(search(q[None, :]))
            times.append(time.perf_counter() - start)
        times = np.array(times)
        results.append(({"qps": len(queries) / times.sum(), "p50_ms": 1e3 * np.median(times),
                         "p99_ms": 1e3 * np.percentile(times, 99)}, answers))
    results.sort(key=lambda result: result[0]["qps"])
    return results[len(results) // 2]


def run_faiss(base, queries, truth, args):
    try:
        import faiss
    except ImportError:
        print("faiss not installed (pip install faiss-cpu): skipped", file=sys.stderr)
        return None
    faiss.omp_set_num_threads(args.threads)
    result = {}
    if "faiss-flat" in args.peers:
        flat = faiss.IndexFlatL2(base.shape[1])
        flat.add(base)
        stats, answers = one_at_a_time(lambda q: flat.search(q, args.k)[1][0], queries[:args.exact_queries], args.rounds)
        stats["recall_at_10"] = recall(answers, truth[:args.exact_queries], min(10, args.k))
        result["flat"] = stats
        if args.alternate:
            args.flat_index = flat
        else:
            del flat
    if "faiss-hnsw" not in args.peers:
        return result
    hnsw = faiss.IndexHNSWFlat(base.shape[1], args.m)
    hnsw.hnsw.efConstruction = args.ef_construction
    start = time.perf_counter()
    hnsw.add(base)
    result["build_s"] = time.perf_counter() - start
    result["hnsw"] = []
    for ef in args.ef_search:
        hnsw.hnsw.efSearch = ef
        stats, answers = one_at_a_time(lambda q: hnsw.search(q, args.k)[1][0], queries, args.rounds)
        stats.update(ef_search=ef, recall_at_1=recall(answers, truth, 1), recall_at_10=recall(answers, truth, min(10, args.k)))
        result["hnsw"].append(stats)
    return result


def run_hnswlib(base, queries, truth, args):
    if "hnswlib" not in args.peers:
        return None
    try:
        import hnswlib
    except ImportError:
        print("hnswlib not installed (pip install hnswlib): skipped", file=sys.stderr)
        return None
    index = hnswlib.Index(space="l2", dim=base.shape[1])
    index.init_index(max_elements=len(base), ef_construction=args.ef_construction, M=args.m, random_seed=1)
    index.set_num_threads(args.threads)
    start = time.perf_counter()
    index.add_items(base, np.arange(len(base)), num_threads=args.threads)
    result = {"build_s": time.perf_counter() - start, "hnsw": hnswlib_searches(index, queries, truth, args)}
    args.hnswlib_index = index
    return result


def hnswlib_searches(index, queries, truth, args):
    rows = []
    for ef in args.ef_search:
        index.set_ef(max(ef, args.k))
        stats, answers = one_at_a_time(lambda q: index.knn_query(q, k=args.k, num_threads=1)[0][0], queries, args.rounds)
        stats.update(ef_search=ef, recall_at_1=recall(answers, truth, 1), recall_at_10=recall(answers, truth, min(10, args.k)))
        rows.append(stats)
    return rows


def run_simdb(paths, args, reuse=False):
    command = [args.simdb, "bench", "--base", paths["base"], "--queries", paths["queries"], "--truth", paths["truth"],
               "--m", str(args.m), "--ef-construction", str(args.ef_construction),
               "--ef-search", ",".join(map(str, args.ef_search)), "--threads", str(args.threads), "--k", str(args.k),
               "--exact-queries", str(args.exact_queries), "--rounds", str(args.rounds), "--json"]
    if args.simdb_exact_only:
        command.append("--exact-only")  # no graph: the scan reads every vector
    if args.alternate:
        command += ["--keep", args.keep] + (["--reuse"] if reuse else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"simdb bench failed: {done.stderr.strip()}", file=sys.stderr)
        return None
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--sigma", type=float, default=0.08)
    parser.add_argument("--nq", type=int, default=1000, help="queries")
    parser.add_argument("--exact-queries", type=int, default=1000, help="queries timed on the flat index")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--ef-search", type=lambda s: [int(x) for x in s.split(",")], default=[16, 32, 64, 128])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="/tmp/simdb-ann", help="folder for base.fvecs, queries.fvecs, truth.ivecs")
    parser.add_argument("--simdb", help="a simdb binary to run `bench` with on the same files")
    parser.add_argument("--reuse", action="store_true", help="measure the files already in --out instead of generating them")
    parser.add_argument("--peers", type=lambda s: set(s.split(",")), default={"faiss-flat", "faiss-hnsw", "hnswlib"},
                        help="which peers to run: faiss-flat,faiss-hnsw,hnswlib (default all)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each search phase runs, every peer and simdb alike; the median-QPS round is reported")
    parser.add_argument("--alternate", type=int, default=0, metavar="N",
                        help="then N rounds of searches only, alternating hnswlib and FAISS flat with simdb; medians of the ratios")
    parser.add_argument("--simdb-exact-only", action="store_true",
                        help="simdb builds no graph: its exact scan then reads every vector instead of the graph's code column")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.alternate and not args.simdb:
        parser.error("--alternate needs --simdb")
    args.keep = os.path.join(args.out, "simdb-store")
    if args.alternate:
        shutil.rmtree(args.keep, ignore_errors=True)
        os.makedirs(args.keep)

    os.makedirs(args.out, exist_ok=True)
    paths = {name: os.path.join(args.out, f"{name}.{ext}")
             for name, ext in (("base", "fvecs"), ("queries", "fvecs"), ("truth", "ivecs"))}
    if args.reuse and all(os.path.exists(p) for p in paths.values()):
        base, queries = read_vecs(paths["base"], np.float32), read_vecs(paths["queries"], np.float32)
        truth = read_vecs(paths["truth"], np.int32)
    else:
        rng = np.random.default_rng(args.seed)
        centres = sphere_points(args.clusters, args.dim, rng)  # queries come from the same centres
        base = clustered(args.n, centres, args.sigma, rng)
        queries = clustered(args.nq, centres, args.sigma, rng)
        truth = exact_truth(base, queries, max(args.k, 10))
        write_vecs(paths["base"], base, np.float32)
        write_vecs(paths["queries"], queries, np.float32)
        write_vecs(paths["truth"], truth, np.int32)

    report = {"n": len(base), "dim": base.shape[1], "threads": args.threads, "m": args.m,
              "ef_construction": args.ef_construction, "faiss": run_faiss(base, queries, truth, args),
              "hnswlib": run_hnswlib(base, queries, truth, args),
              "simdb": run_simdb(paths, args) if args.simdb else None}
    if args.alternate and report["simdb"]:
        report["rounds"] = alternate(paths, queries, truth, args)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['n']} x {report['dim']}-d clustered, M {args.m}, efConstruction {args.ef_construction}, "
          f"{args.threads} thread(s), k {args.k}")
    faiss_result, hnswlib_result, simdb_result = report["faiss"], report["hnswlib"], report["simdb"]
    if faiss_result and "flat" in faiss_result:
        flat = faiss_result["flat"]
        line = f"exact: FAISS IndexFlatL2 {flat['qps']:.0f} QPS (p50 {flat['p50_ms']:.2f} ms)"
        if simdb_result:
            line += f"; simdb {simdb_result['exact']['qps']:.0f} QPS, ratio {simdb_result['exact']['qps'] / flat['qps']:.2f}x"
        print(line)
    for name, result in (("FAISS HNSW", faiss_result), ("hnswlib", hnswlib_result), ("simdb", simdb_result)):
        if not result or "hnsw" not in result:
            continue
        print(f"{name}: build {result['build_s']:.1f} s")
        for row in result["hnsw"]:
            print(f"  efSearch {row['ef_search']:4d}: {row['qps']:8.0f} QPS  p50 {row['p50_ms']:.3f} ms  "
                  f"p99 {row['p99_ms']:.3f} ms  recall@1 {row['recall_at_1']:.3f}  recall@10 {row['recall_at_10']:.3f}")
    if simdb_result and hnswlib_result and simdb_result["hnsw"]:
        print(f"simdb / hnswlib: build {simdb_result['build_s'] / hnswlib_result['build_s']:.2f}x the time")
        for ours, theirs in zip(simdb_result["hnsw"], hnswlib_result["hnsw"]):
            print(f"  efSearch {ours['ef_search']:4d}: QPS {ours['qps'] / theirs['qps']:.2f}x "
                  f"(recall@10 {ours['recall_at_10']:.3f} vs {theirs['recall_at_10']:.3f})")
    if simdb_result:
        graph = simdb_result["raw_vector_bytes"] + simdb_result["index_page_bytes"]
        print(f"simdb: insert {simdb_result['insert_per_s']:.0f} vectors/s without index; peak RSS while searching "
              f"{simdb_result['peak_rss_bytes'] / 2**20:.0f} MiB = {simdb_result['peak_rss_bytes'] / graph:.2f}x "
              f"(raw vectors + graph, {graph / 2**20:.0f} MiB); store {simdb_result['store_bytes'] / 2**20:.0f} MiB")

    if report.get("rounds"):
        print_rounds(report["rounds"], args)


def alternate(paths, queries, truth, args):
    """Searches only, N times: each round the peers, then simdb on its kept store."""
    rounds = []
    for _ in range(args.alternate):
        row = {}
        if getattr(args, "hnswlib_index", None) is not None:
            row["hnswlib"] = {r["ef_search"]: r["qps"] for r in hnswlib_searches(args.hnswlib_index, queries, truth, args)}
        if getattr(args, "flat_index", None) is not None:
            flat = args.flat_index
            row["flat"], _ = one_at_a_time(lambda q: flat.search(q, args.k)[1][0], queries[:args.exact_queries], args.rounds)
            row["flat"] = row["flat"]["qps"]
        simdb = run_simdb(paths, args, reuse=True)
        if simdb is None:
            break
        row["simdb"] = {r["ef_search"]: r["qps"] for r in simdb["hnsw"]}
        row["simdb_exact"] = simdb["exact"]["qps"]
        rounds.append(row)
    return rounds


def print_rounds(rounds, args):
    print(f"{len(rounds)} alternated rounds of searches (simdb / peer QPS per round; median):")
    if all("hnswlib" in r for r in rounds) and rounds[0]["simdb"]:
        for ef in args.ef_search:
            ratios = [r["simdb"][ef] / r["hnswlib"][ef] for r in rounds]
            print(f"  hnswlib efSearch {ef:4d}: " + " ".join(f"{x:.2f}" for x in ratios)
                  + f"; median {float(np.median(ratios)):.2f}x")
    if all("flat" in r for r in rounds):
        ratios = [r["simdb_exact"] / r["flat"] for r in rounds]
        print("  FAISS IndexFlatL2 exact: " + " ".join(f"{x:.2f}" for x in ratios) + f"; median {float(np.median(ratios)):.2f}x")


if __name__ == "__main__":
    main()
