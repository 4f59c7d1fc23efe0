#!/usr/bin/env python3
"""Genuine/impostor statistics of every pair of vectors in a simdb store.

Reads the store's files directly (SQLite for template owners, LMDB for vectors), computes the
store's metric between every pair, and prints the equal-error rate and the threshold at a chosen
false-accept rate. Used to calibrate an encoder's default threshold on training identities.

    python3 scripts/pair-stats.py STORE [--far 1e-3]      (needs: pip install numpy lmdb)
"""
import argparse
import sqlite3
import struct

import lmdb
import numpy as np

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("store")
parser.add_argument("--far", type=float, default=1e-3, help="false-accept rate for the threshold")
args = parser.parse_args()

catalog = sqlite3.connect(f"file:{args.store}/catalog.sqlite?mode=ro", uri=True)
metric, = catalog.execute("SELECT metric FROM store_info").fetchone()
owner = dict(catalog.execute("SELECT id, person_id FROM templates WHERE state = 'committed'"))
env = lmdb.open(f"{args.store}/vectors.mdb", subdir=False, readonly=True, lock=False, max_dbs=4)
vectors_db = env.open_db(b"vectors", integerkey=True, create=False)
ids, rows = [], []
with env.begin() as txn:
    for key, value in txn.cursor(vectors_db):
        ids.append(struct.unpack("<Q", key)[0])
        rows.append(np.frombuffer(value, dtype="<f4"))
X = np.stack(rows).astype(np.float64)
labels = np.array([owner[i] for i in ids])

dot = X @ X.T
if metric == "l2":
    sq = (X * X).sum(1)
    values, larger_is_closer = sq[:, None] + sq[None, :] - 2 * dot, False
elif metric == "cosine":
    norms = np.linalg.norm(X, axis=1)
    values, larger_is_closer = 1 - dot / np.outer(norms, norms), False
else:
    values, larger_is_closer = dot, True
upper = np.triu_indices(len(X), 1)
same = (labels[:, None] == labels[None, :])[upper]
pairs = values[upper] * (-1 if larger_is_closer else 1)   # smaller is closer from here on
genuine, impostor = np.sort(pairs[same]), np.sort(pairs[~same])
print(f"{len(X)} vectors of {len(set(labels))} people; metric {metric}; "
      f"{len(genuine)} genuine and {len(impostor)} impostor pairs")

def rates(t):
    return (genuine > t).mean(), (impostor <= t).mean()

candidates = np.concatenate([genuine, impostor])
eer_t = min(candidates, key=lambda t: abs(rates(t)[0] - rates(t)[1]))
sign = -1 if larger_is_closer else 1
frr, far = rates(eer_t)
print(f"equal-error rate {100 * (frr + far) / 2:.2f} % at threshold {sign * eer_t:.4f}")
k = max(1, int(np.floor(args.far * len(impostor))))
t = impostor[k - 1]
frr, far = rates(t)
print(f"threshold {sign * t:.4f}: false accepts {100 * far:.3f} %, false rejects {100 * frr:.2f} %")
