#!/usr/bin/env python3
"""Missing rows on daily traces: the experiment of docs/tuning.md's
"Missing rows as gaps" bullets. From the tuning set's 16 NAB series
(converted as scripts/accuracy-tuneset.sh converts them) and six of the
eight traces (all but the two NASA traces), 1 % of the rows are removed at
random (the first and last kept), once with each of the seeds 21, 22 and
23: 66 series, written under OUT/data (never in the repository) and scored
by scripts/autoscale_eval.py as the traces are (all four scenarios, the
referee unchanged). In-sample: every series reshapes one the defaults were
chosen on.

usage: scripts/probes-rows.py --data DIR --bench DIR --prescale BIN --out DIR
                              [--jobs N] [--format markdown|json]

Prints each series' matched violation ratio and events over the HPA's, and
the geometric means of the four scenarios (JSON: autoscale_eval.py's).
Python 3 standard library only.
"""
import argparse
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
probes = __import__("probes")

SEEDS = (21, 22, 23)
TRACES = ("nab_aws_asg_cpu_5m", "nab_aws_elb_requests_5m", "nab_ec2_cpu_5m", "nab_nyc_taxi_30m",
          "nab_twitter_aapl_5m", "wikipedia_en_pagecounts_1h")


def series(data, tmp):
    """(name, timestamps, values) of the 22 series rows are removed from."""
    os.makedirs(tmp, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(HERE, "nab2trace.py"), "--drop-repeats", "--nab",
                    os.path.join(data, "nab", "data"), "--into", tmp, *probes.TUNESET], check=True)
    out = []
    for f in probes.TUNESET:
        name = os.path.basename(f)[:-4]
        out.append((name, *probes.read(os.path.join(tmp, name + ".csv"))))
    for name in TRACES:
        out.append((name, *probes.read(os.path.join(data, "traces", name + ".csv"))))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data", help="directory holding traces/ and nab/data/")
    p.add_argument("--bench", default="../shared/bench", help="directory holding autoscale_score.py")
    p.add_argument("--prescale", default="./bin/prescale", help="the prescale binary")
    p.add_argument("--out", default="out/rows", help="directory for the series and the scores")
    p.add_argument("--jobs", type=int, default=1, help="series evaluated at once")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    args = p.parse_args(argv)
    traces = os.path.join(args.out, "data", "traces")
    os.makedirs(traces, exist_ok=True)
    for f in os.listdir(traces):
        os.remove(os.path.join(traces, f))
    base = series(args.data, os.path.join(args.out, "nab"))
    for seed in SEEDS:
        rng = random.Random(seed)
        for name, ts, vs in base:
            keep = [0] + [i for i in range(1, len(ts) - 1) if rng.random() >= 0.01] + [len(ts) - 1]
            probes.write(os.path.join(traces, f"rows{seed}_{name}.csv"), [ts[i] for i in keep],
                         [vs[i] for i in keep])
    return probes.evaluate(args)


if __name__ == "__main__":
    sys.exit(main())
