#!/usr/bin/env python3
"""Robustness probes of the decision policy: trace shapes the hidden set may
have (short history, other sample steps, gaps, irregular timestamps, small
integer counts, long zero or constant stretches, an early level shift),
derived from the in-sample traces (DATA/traces and the tuning set's NAB
series) and scored exactly as the traces are, by scripts/autoscale_eval.py
(capacity p99/20 of each probe, lag 300 s, --eval-from 0.7, all four
scenarios, the referee unchanged). Every probe is in-sample: it reshapes a
series the defaults were chosen on. Deterministic (fixed seeds); the probe
series are written under OUT/data and never enter the repository.

usage: scripts/probes.py --data DIR --bench DIR --prescale BIN --out DIR
                         [--groups a,b] [--jobs N] [--format markdown|json]

Groups (default: all):
  short    each trace cut to its first 3, 5 and 7 days (the scored 30 %
           starts with 2.1, 3.5 or 4.9 days of history)
  step     NASA July (1-minute request counts) summed to 2, 5 and 10
           minutes and split into 10-second counts (first 3 days); NYC taxi
           (30 min) and the ASG CPU (5 min) averaged to 1 hour
  gaps     the tuning set's 16 NAB series with 1 % of the rows removed at
           random (seed 11), and NASA August with 1 % of its values empty
  jitter   the eight traces' timestamps moved by up to +-20 % of the step
           (seed 11), still increasing
  counts   NASA July, the ELB requests and AAPL tweets scaled to 5 at their
           p99 and rounded (integer counts 0..5 per step, many zeros)
  shape    a constant 20 with one step to 60 (at 40 % and at 80 % of 7 days,
           5 min); the EC2 CPU trace with +40 after its first day (an early
           level shift); NASA July with its second week's nights (02:00 to
           10:00 UTC, 22:00 to 06:00 in Florida) set to 0; the ELB requests
           with two days of a constant value in the scored part; the EC2
           CPU at 0 for its first 60 % (a launch after a long idle
           stretch); the ASG and EC2 CPU with 3 % of their samples
           multiplied by 2 to 4 (seed 11: spiky cluster CPU)

The table gives each probe's matched violation ratio against the HPA at
equal cost, its scale events over the HPA's, the three robustness
scenarios, and FLAGS: worse than the HPA (ratio > 1), events over 2x the
HPA's, over twice the oracle's cost, or no valid score (an error).
Python 3 standard library only.
"""
import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DAY = 86400
SEED = 11
TUNESET = (
    "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv", "realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv", "realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv",
    "realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv", "realAWSCloudwatch/grok_asg_anomaly.csv",
    "realAWSCloudwatch/ec2_network_in_5abac7.csv", "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv",
    "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv", "realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv",
    "realKnownCause/ec2_request_latency_system_failure.csv", "realKnownCause/machine_temperature_system_failure.csv",
    "realTweets/Twitter_volume_GOOG.csv", "realTweets/Twitter_volume_KO.csv",
    "realTraffic/occupancy_6005.csv", "realAdExchange/exchange-3_cpm_results.csv",
)


def read(path):
    """(timestamps, values) of a trace; a missing value is None."""
    ts, vs = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            ts.append(int(float(row["timestamp"])))
            v = row["value"].strip()
            vs.append(None if v.lower() in ("", "nan", "na", "null", "none") else float(v))
    return ts, vs


def write(path, ts, vs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "value"])
        for t, v in zip(ts, vs):
            w.writerow([t, "" if v is None else repr(round(v, 6))])


def cut(ts, vs, days):
    end = ts[0] + days * DAY
    n = sum(1 for t in ts if t < end)
    return ts[:n], vs[:n]


def aggregate(ts, vs, step, how):
    """Buckets of step seconds (from the first timestamp), summed or averaged."""
    buckets = {}
    for t, v in zip(ts, vs):
        if v is not None:
            buckets.setdefault(ts[0] + (t - ts[0]) // step * step, []).append(v)
    keys = sorted(buckets)
    agg = sum if how == "sum" else (lambda xs: sum(xs) / len(xs))
    return keys, [agg(buckets[k]) for k in keys]


def p99(vs):
    xs = sorted(v for v in vs if v is not None)
    return xs[math.floor(0.99 * len(xs))]


def short(data, put):
    for path in sorted(os.listdir(os.path.join(data, "traces"))):
        ts, vs = read(os.path.join(data, "traces", path))
        for days in (3, 5, 7):
            put(f"short{days}d_{path[:-4]}", *cut(ts, vs, days))


def step(data, put):
    ts, vs = read(os.path.join(data, "traces", "nasa_http_jul95_1m.csv"))
    for minutes in (2, 5, 10):
        put(f"step{minutes}m_nasa_jul", *aggregate(ts, vs, 60 * minutes, "sum"))
    t3, v3 = cut(ts, vs, 3)
    t10, v10 = [], []
    for t, v in zip(t3, v3):  # a minute's count spread over six 10 s samples, integer counts
        for k in range(6):
            t10.append(t + 10 * k)
            v10.append(None if v is None else float(int(v) // 6 + (1 if k < int(v) % 6 else 0)))
    put("step10s_nasa_jul_3d", t10, v10)
    for name in ("nab_nyc_taxi_30m", "nab_aws_asg_cpu_5m"):
        ts, vs = read(os.path.join(data, "traces", name + ".csv"))
        put(f"step1h_{name}", *aggregate(ts, vs, 3600, "mean"))


def gaps(data, put, tmp):
    os.makedirs(tmp, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(HERE, "nab2trace.py"), "--drop-repeats", "--nab",
                    os.path.join(data, "nab", "data"), "--into", tmp, *TUNESET], check=True)
    rng = random.Random(SEED)
    for f in TUNESET:
        name = os.path.basename(f)[:-4]
        ts, vs = read(os.path.join(tmp, name + ".csv"))
        keep = [0] + [i for i in range(1, len(ts) - 1) if rng.random() >= 0.01] + [len(ts) - 1]
        put(f"gaps_{name}", [ts[i] for i in keep], [vs[i] for i in keep])
    ts, vs = read(os.path.join(data, "traces", "nasa_http_aug95_1m.csv"))
    put("nan1pct_nasa_aug", ts, [None if 0 < i < len(vs) - 1 and rng.random() < 0.01 else v
                                 for i, v in enumerate(vs)])


def jitter(data, put):
    rng = random.Random(SEED)
    for path in sorted(os.listdir(os.path.join(data, "traces"))):
        ts, vs = read(os.path.join(data, "traces", path))
        out = [ts[0]]
        for i in range(1, len(ts)):
            d = ts[i] - ts[i - 1]
            t = ts[i] + (round(rng.uniform(-0.2, 0.2) * d) if i < len(ts) - 1 else 0)
            out.append(max(t, out[-1] + 1))
        put(f"jitter_{path[:-4]}", out, vs)


def counts(data, put):
    for name in ("nasa_http_jul95_1m", "nab_aws_elb_requests_5m", "nab_twitter_aapl_5m"):
        ts, vs = read(os.path.join(data, "traces", name + ".csv"))
        scale = 5 / p99(vs)
        put(f"counts05_{name}", ts, [None if v is None else float(round(v * scale)) for v in vs])


def shape(data, put):
    t0, n = 1400000000, 7 * 288
    ts = [t0 + 300 * i for i in range(n)]
    for at in (40, 80):
        put(f"const_step{at}pct", ts, [20.0 if i < n * at // 100 else 60.0 for i in range(n)])
    ts, vs = read(os.path.join(data, "traces", "nab_ec2_cpu_5m.csv"))
    put("levelshift_day1_ec2_cpu", ts, [None if v is None else v + (40 if t >= ts[0] + DAY else 0)
                                         for t, v in zip(ts, vs)])
    ts, vs = read(os.path.join(data, "traces", "nasa_http_jul95_1m.csv"))
    week2 = (ts[0] + 7 * DAY, ts[0] + 14 * DAY)
    put("nightzero_nasa_jul", ts, [0.0 if week2[0] <= t < week2[1] and 2 * 3600 <= t % DAY < 10 * 3600
                                   else v for t, v in zip(ts, vs)])
    ts, vs = read(os.path.join(data, "traces", "nab_aws_elb_requests_5m.csv"))
    a = int(0.75 * len(ts))
    flat = vs[a]
    put("flat2d_elb", ts, [flat if a <= i < a + 576 else v for i, v in enumerate(vs)])
    ts, vs = read(os.path.join(data, "traces", "nab_ec2_cpu_5m.csv"))
    put("launch_ec2_cpu", ts, [0.0 if i < int(0.6 * len(vs)) else v for i, v in enumerate(vs)])
    rng = random.Random(SEED)
    for name in ("nab_aws_asg_cpu_5m", "nab_ec2_cpu_5m"):
        ts, vs = read(os.path.join(data, "traces", name + ".csv"))
        put(f"spiky_{name}", ts, [v * rng.uniform(2, 4) if v is not None and rng.random() < 0.03 else v
                                  for v in vs])


GROUPS = {"short": short, "step": step, "gaps": gaps, "jitter": jitter, "counts": counts, "shape": shape}


def flags(r):
    if "error" in r:
        return "ERROR"
    m, out = r["matched"], []
    for scen in ("matched", "lag600", "cap50"):
        ratio = r[scen]["violation_ratio"]
        if (ratio is not None and ratio > 1) or r[scen].get("worse_than_silent_hpa"):
            out.append(f"worse than HPA ({scen})")
    if m["events_ratio"] is not None and m["events_ratio"] > 2:
        out.append("events > 2x")
    if m["cost_vs_oracle"] > 2:
        out.append("cost > 2x oracle")
    return ", ".join(out)


def table(result):
    def cell(f, key="violation_ratio"):
        v = f[key]
        return "n/a" if v is None else f"{v:.3f}" + (f" ({f['clamped']})" if key == "violation_ratio" and f["clamped"] else "")
    lines = ["| probe | matched | events / HPA's | cost / oracle | lag 600 | lag 150 | p99/50 | flags |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in result["traces"]:
        if "error" in r:
            lines.append(f"| {r['trace']} | | | | | | | ERROR: {r['error'][:80]} |")
            continue
        m = r["matched"]
        lines.append(f"| {r['trace']} | {cell(m)} | {cell(m, 'events_ratio')} | {m['cost_vs_oracle']:.2f} | "
                     f"{cell(r['lag600'])} | {cell(r['lag150'])} | {cell(r['cap50'])} | {flags(r)} |")
    s = result["summary"]
    g = lambda k, e="geomean": "-" if s[k][e] is None else f"{s[k][e]:.3f}"
    lines.append(f"| **geometric mean** | **{g('matched')}** | **{g('matched', 'events_geomean')}** | | "
                 f"**{g('lag600')}** | **{g('lag150')}** | **{g('cap50')}** | |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data", help="directory holding traces/ and nab/data/")
    p.add_argument("--bench", default="../shared/bench", help="directory holding autoscale_score.py")
    p.add_argument("--prescale", default="./bin/prescale", help="the prescale binary")
    p.add_argument("--out", default="out/probes", help="directory for the probe series and the scores")
    p.add_argument("--groups", default=",".join(GROUPS), help="comma-separated groups (default: all)")
    p.add_argument("--jobs", type=int, default=1, help="probes evaluated at once")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    args = p.parse_args(argv)
    chosen = [g for g in args.groups.split(",") if g]
    unknown = [g for g in chosen if g not in GROUPS]
    if unknown:
        p.error(f"--groups: unknown {', '.join(unknown)} (known: {', '.join(GROUPS)})")
    traces = os.path.join(args.out, "data", "traces")
    os.makedirs(traces, exist_ok=True)
    for f in os.listdir(traces):
        os.remove(os.path.join(traces, f))

    def put(name, ts, vs):
        write(os.path.join(traces, name + ".csv"), ts, vs)
    for g in chosen:
        if g == "gaps":
            gaps(args.data, put, os.path.join(args.out, "nab"))
        else:
            GROUPS[g](args.data, put)
    return evaluate(args)


def evaluate(args):
    """Scores the series under ARGS.out/data with autoscale_eval.py (all four
    scenarios) and prints its table, or its JSON with --format json; returns
    the exit status."""
    proc = subprocess.run([sys.executable, os.path.join(HERE, "autoscale_eval.py"), "--data",
                           os.path.join(args.out, "data"), "--bench", args.bench, "--prescale", args.prescale,
                           "--out", os.path.join(args.out, "autoscale"), "--jobs", str(args.jobs),
                           "--format", "json"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode
    result = json.loads(proc.stdout)
    print(json.dumps(result, indent=1) if args.format == "json" else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
