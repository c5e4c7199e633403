#!/usr/bin/env python3
"""Missing rows against their complete twins: the diagnosis of
docs/tuning.md's "Missing rows against their complete twins". Each of the
tuning set's 16 NAB series (converted as scripts/probes.py's gaps group
converts them) is written twice with the same formatting, whole (the
twin) and with the rows the gaps probes remove (--seed, 11 as `make
bench-probes`), and both are backtested at the twin's capacity (p99 / 20,
lag 300 s, --eval-from 0.7), so that the rows removed are the only
difference. For each series it prints where the decisions first differ
and how many scored rows decide differently, and three referee scores
(matched violation ratio against the HPA at equal cost, events over the
HPA's): the gapped series as `make bench-probes` scores it, the twin, and
the twin's own decisions with the missing rows' decisions deleted, scored
on the gapped series (what the rows alone do to the score, the decisions
unchanged). In-sample; deterministic; the series are written under OUT
and never enter the repository.

usage: scripts/probes-twins.py --data DIR --bench DIR --prescale BIN --out DIR
                               [--seed N] [--jobs N]

Python 3 standard library only.
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
probes = __import__("probes")
autoscale_eval = __import__("autoscale_eval")

LAG = 300


def explain(path):
    """timestamp -> row of a decisions explain CSV."""
    with open(path, newline="") as f:
        return {int(r["timestamp"]): r for r in csv.DictReader(f)}


def backtest(args, trace, capacity, stem):
    """Runs prescale backtest; returns (decisions path, explain rows)."""
    dec, exp = stem + ".decisions.csv", stem + ".explain.csv"
    cmd = [args.prescale, "backtest", "--trace", trace, "--capacity", repr(capacity), "--lag", f"{LAG}s",
           "--min", "1", "--max", "100", "--eval-from", "0.7", "--quiet", "--decisions", dec, "--explain", exp]
    with open(stem + ".log", "w") as err:
        subprocess.run(cmd, stdout=err, stderr=err, check=True)
    return dec, explain(exp)


def score(args, trace, decisions, capacity):
    return autoscale_eval.figures(autoscale_eval.referee(args, trace, decisions, capacity, LAG))


def first(ts, pred):
    """Index in ts of the first timestamp for which pred holds, else -1."""
    return next((i for i, t in enumerate(ts) if pred(t)), -1)


def one(args, name, ts, vs, keep):
    """The comparison of one series (a dict)."""
    d = os.path.join(args.out, "series")
    twin, gapped = os.path.join(d, f"twin_{name}.csv"), os.path.join(d, f"gaps_{name}.csv")
    probes.write(twin, ts, vs)
    probes.write(gapped, [ts[i] for i in keep], [vs[i] for i in keep])
    capacity = probes.p99(vs) / 20
    tdec, trows = backtest(args, twin, capacity, os.path.join(d, f"twin_{name}"))
    gdec, grows = backtest(args, gapped, capacity, os.path.join(d, f"gaps_{name}"))
    kept = {ts[i] for i in keep}
    deleted = os.path.join(d, f"deleted_{name}.decisions.csv")
    with open(tdec) as f, open(deleted, "w") as out:
        lines = f.read().splitlines()
        out.write("\n".join([lines[0]] + [ln for ln in lines[1:] if int(ln.split(",")[0]) in kept]) + "\n")
    start = ts[math.floor(0.7 * len(ts))]
    common = [t for t in ts if t in grows]
    peaks = ("peak_p50", "peak_p90", "peak_p99")
    return {
        "name": name, "missing": len(ts) - len(keep),
        "first_missing": first(ts, lambda t: t not in kept),
        "first_peak": first(ts, lambda t: t in grows and any(grows[t][k] != trows[t][k] for k in peaks)),
        "first_units": first(ts, lambda t: t in grows and grows[t]["desired"] != trows[t]["desired"]),
        "scored_differ": sum(1 for t in common if t >= start and grows[t]["desired"] != trows[t]["desired"]),
        "scored": sum(1 for t in common if t >= start),
        "gapped": score(args, gapped, gdec, capacity), "twin": score(args, twin, tdec, capacity),
        "deleted": score(args, gapped, deleted, capacity),
    }


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def ratio(f):
    return max(f["violation_ratio"] if f["violation_ratio"] is not None else autoscale_eval.FLOOR,
               autoscale_eval.FLOOR)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data", help="directory holding nab/data/")
    p.add_argument("--bench", default="../shared/bench", help="directory holding autoscale_score.py")
    p.add_argument("--prescale", default="./bin/prescale", help="the prescale binary")
    p.add_argument("--out", default="out/twins", help="directory for the series and the decisions")
    p.add_argument("--seed", type=int, default=probes.SEED, help="the random rows removed (11: make bench-probes')")
    p.add_argument("--jobs", type=int, default=1, help="series evaluated at once")
    args = p.parse_args(argv)
    nab = os.path.join(args.out, "nab")
    os.makedirs(os.path.join(args.out, "series"), exist_ok=True)
    os.makedirs(nab, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(HERE, "nab2trace.py"), "--drop-repeats", "--nab",
                    os.path.join(args.data, "nab", "data"), "--into", nab, *probes.TUNESET], check=True)
    rng = random.Random(args.seed)  # drawn in probes.gaps' order, so seed 11 removes its rows
    work = []
    for f in probes.TUNESET:
        name = os.path.basename(f)[:-4]
        ts, vs = probes.read(os.path.join(nab, name + ".csv"))
        keep = [0] + [i for i in range(1, len(ts) - 1) if rng.random() >= 0.01] + [len(ts) - 1]
        work.append((name, ts, vs, keep))
    with ThreadPoolExecutor(max(1, args.jobs)) as ex:
        rows = list(ex.map(lambda w: one(args, *w), work))
    print("| series | rows missing | first missing row | peaks first differ | units first differ "
          "| scored rows deciding otherwise | gapped | twin | twin, missing rows' decisions deleted |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = [f"{ratio(r[k]):.3f} ({r[k]['events_ratio']:.2f})" for k in ("gapped", "twin", "deleted")]
        print(f"| {r['name']} | {r['missing']} | {r['first_missing']} | {r['first_peak']} | {r['first_units']} "
              f"| {r['scored_differ']} / {r['scored']} | " + " | ".join(cells) + " |")
    gm = [f"**{geomean([ratio(r[k]) for r in rows]):.4f} ({geomean([r[k]['events_ratio'] for r in rows]):.4f})**"
          for k in ("gapped", "twin", "deleted")]
    print("| **geometric mean** | | | | | | " + " | ".join(gm) + " |")
    dv = sum(abs(math.log(ratio(r["gapped"]) / ratio(r["deleted"]))) for r in rows) / len(rows)
    de = sum(abs(math.log(r["gapped"]["events_ratio"] / r["deleted"]["events_ratio"])) for r in rows) / len(rows)
    print(f"\nViolation ratio (events over the HPA's); mean |log(gapped / deleted)|: violation {dv:.3f}, "
          f"events {de:.3f} (what the decisions, not the rows, change).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
