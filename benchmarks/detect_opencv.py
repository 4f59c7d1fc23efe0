#!/usr/bin/env python3
"""simdb's Haar cascade evaluator beside OpenCV's CascadeClassifier: the same cascade file and
parameters on the same images; agreement of boxes, detection rates, false faces, speed.

    pip install "opencv-python-headless<5"      # OpenCV 5 dropped CascadeClassifier
    swift build -c release
    python3 benchmarks/detect_opencv.py --simdb .build/release/simdb [--per-set 200]

Sets (from ../shared/data; missing sets are skipped): LFW-train (one image per person), ORL,
Extended Yale B, Omniglot (no faces), and 640x480 scenes made here: an LFW-train face pasted at a
random size and place into a generated background (smooth gradients and noise), written to
--scratch. Times are per image, medians, one thread (OpenCV with cv2.setNumThreads(1)): simdb's
from grey conversion to boxes, OpenCV's from padding to boxes (decoding left out on both sides).
Agreement: the share of OpenCV's boxes that a simdb box overlaps with IoU >= 0.5. Exits 0; prints a table, or JSON with --json.
"""
import argparse, glob, json, os, random, statistics, subprocess, sys, time

def iou(a, b):
    ax, ay, aw, ah = a; bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx)); h = max(0, min(ay + ah, by + bh) - max(ay, by))
    union = aw * ah + bw * bh - w * h
    return w * h / union if union else 0.0

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simdb", default=".build/release/simdb")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    parser.add_argument("--cascade", default="/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
    parser.add_argument("--per-set", type=int, default=200, help="images per set (default 200)")
    parser.add_argument("--scenes", type=int, default=50, help="generated 640x480 scenes (default 50)")
    parser.add_argument("--pad", type=float, default=0.25, help="replicated border for the cropped sets (default 0.25)")
    parser.add_argument("--scratch", default="/tmp/simdb-detect-bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        import cv2, numpy as np
    except ImportError:
        print("skipped: OpenCV is not installed (pip install \"opencv-python-headless<5\")")
        return 0
    if not hasattr(cv2, "CascadeClassifier"):
        print("skipped: this OpenCV has no CascadeClassifier (OpenCV 5 dropped it)")
        return 0
    cv2.setNumThreads(1)
    cascade = cv2.CascadeClassifier(args.cascade)
    rng = random.Random(args.seed)

    def pick(pattern, per_folder=1):
        folders = sorted(glob.glob(os.path.join(args.data, pattern)))
        files = []
        for folder in folders:
            names = sorted(glob.glob(os.path.join(folder, "*")))
            files += names[:per_folder]
        rng.shuffle(files)
        return files[:args.per_set]

    sets = {
        "lfw-train": (pick("lfw-train/*"), True, 0.0),
        "lfw-train padded": (pick("lfw-train/*"), True, args.pad),
        "orl padded": (pick("orl/s*", 5), True, args.pad),
        "extended-yaleb padded": (pick("extended-yaleb/*", 3), True, args.pad),
        "omniglot": (pick("omniglot-background/*/*", 2), False, 0.0),
    }
    os.makedirs(args.scratch, exist_ok=True)
    scenes, truth = [], {}
    faces = pick("lfw-train/*")
    for index in range(min(args.scenes, len(faces))):
        face = cv2.imread(faces[index])
        size = rng.randint(90, 260)
        face = cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA)
        yy, xx = np.mgrid[0:480, 0:640]
        base = (80 + 60 * np.sin(xx / rng.uniform(40, 120)) + 40 * np.cos(yy / rng.uniform(40, 120))).astype(np.float32)
        scene = np.clip(np.stack([base + rng.uniform(-30, 30) for _ in range(3)], axis=2)
                        + np.random.default_rng(index).normal(0, 8, (480, 640, 3)), 0, 255).astype(np.uint8)
        x, y = rng.randint(0, 640 - size), rng.randint(0, 480 - size)
        scene[y:y + size, x:x + size] = face
        path = os.path.join(args.scratch, f"scene-{index:03d}.png")
        cv2.imwrite(path, scene)
        scenes.append(path)
        truth[path] = (x, y, size, size)
    if scenes:
        sets["640x480 scenes"] = (scenes, True, 0.0)

    results = {}
    for name, (files, has_faces, pad) in sets.items():
        if not files:
            continue
        ours = json.loads(subprocess.run([args.simdb, "detect", "--json", "--no-eyes", "--pad", str(pad), "--cascade", args.cascade] + files,
                                         check=True, capture_output=True, text=True).stdout)
        cv_times, agreed, cv_boxes, found_cv, found_ours, false_cv, false_ours, scene_hits = [], 0, 0, 0, 0, 0, 0, 0
        for file, mine in zip(files, ours):
            grey = cv2.cvtColor(cv2.imread(file), cv2.COLOR_BGR2GRAY)
            border = int(round(max(grey.shape) * pad))
            start = time.perf_counter()
            padded = cv2.copyMakeBorder(grey, border, border, border, border, cv2.BORDER_REPLICATE) if border else grey
            boxes = cascade.detectMultiScale(padded, scaleFactor=1.1, minNeighbors=3, minSize=(30, 30))
            cv_times.append((time.perf_counter() - start) * 1000)
            boxes = [(int(x) - border, int(y) - border, int(w), int(h)) for x, y, w, h in boxes]
            simdb_boxes = [(f["x"], f["y"], f["width"], f["height"]) for f in mine["faces"]]
            cv_boxes += len(boxes)
            agreed += sum(1 for b in boxes if any(iou(b, s) >= 0.5 for s in simdb_boxes))
            found_cv += bool(boxes); found_ours += bool(simdb_boxes)
            false_cv += len(boxes) if not has_faces else 0
            false_ours += len(simdb_boxes) if not has_faces else 0
            if file in truth:
                scene_hits += any(iou(truth[file], s) >= 0.5 for s in simdb_boxes)
        ms = [m["milliseconds"] for m in ours]
        results[name] = {
            "images": len(files),
            "opencv_found_rate": found_cv / len(files), "simdb_found_rate": found_ours / len(files),
            "agreement": agreed / cv_boxes if cv_boxes else None, "opencv_boxes": cv_boxes,
            "opencv_false_faces": false_cv if not has_faces else None, "simdb_false_faces": false_ours if not has_faces else None,
            "simdb_true_face_found_rate": scene_hits / len(files) if name == "640x480 scenes" else None,
            "opencv_median_ms": statistics.median(cv_times), "simdb_median_ms": statistics.median(ms),
            "speed_ratio": statistics.median(cv_times) / statistics.median(ms),
        }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'set':24} {'n':>4} {'found cv':>8} {'found us':>8} {'agree':>6} {'false cv':>8} {'false us':>8} {'cv ms':>7} {'us ms':>7} {'speed':>6}")
        for name, r in results.items():
            fmt = lambda v: "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
            print(f"{name:24} {r['images']:>4} {fmt(r['opencv_found_rate']):>8} {fmt(r['simdb_found_rate']):>8} {fmt(r['agreement']):>6} "
                  f"{fmt(r['opencv_false_faces']):>8} {fmt(r['simdb_false_faces']):>8} {r['opencv_median_ms']:7.2f} {r['simdb_median_ms']:7.2f} {r['speed_ratio']:6.2f}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
