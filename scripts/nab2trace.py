#!/usr/bin/env python3
"""Converts NAB data files into referee traces: timestamps to unix seconds,
values untouched (scripts/accuracy-heldout.sh, scripts/nab-decision-set.sh
for the tuning and validation sets, scripts/accuracy-tuneset-forecast.sh,
scripts/accuracy-flash.sh).
A timestamp that does not increase is an error, or with --drop-repeats the
row is dropped and counted on stderr (a few NAB files repeat an hour at a
daylight-saving change: realAWSCloudwatch/ec2_network_in_5abac7.csv at
2014-03-09 03:00:00).

usage: scripts/nab2trace.py [--drop-repeats] SRC.csv DST.csv [SRC.csv DST.csv ...]
       scripts/nab2trace.py [--drop-repeats] --nab DIR --into DIR [--name FORMAT] FILE.csv ...
With --into, each FILE below the NAB data folder --nab is written to --into
under --name, {} standing for FILE's name without .csv (default {}.csv).
"""
import argparse
import calendar
import csv
import os
import sys
import time


def convert(src, dst, drop_repeats):
    dropped = 0
    with open(src, newline="") as fin, open(dst, "w", newline="") as fout:
        w = csv.writer(fout)
        w.writerow(["timestamp", "value"])
        last = None
        for row in csv.DictReader(fin):
            ts = calendar.timegm(time.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S"))
            if last is not None and ts <= last:
                if not drop_repeats:
                    raise SystemExit(f"{src}: timestamps not increasing at {row['timestamp']}")
                dropped += 1
                continue
            last = ts
            w.writerow([ts, row["value"]])
    if dropped:
        print(f"nab2trace: {src}: dropped {dropped} rows whose timestamp did not increase", file=sys.stderr)


def main(argv):
    p = argparse.ArgumentParser(usage=__doc__.strip().split("usage: ", 1)[1])
    p.add_argument("--drop-repeats", action="store_true")
    p.add_argument("--nab", metavar="DIR")
    p.add_argument("--into", metavar="DIR")
    p.add_argument("--name", metavar="FORMAT", default="{}.csv")
    p.add_argument("files", nargs="+")
    args = p.parse_args(argv)
    if args.into is None and (args.nab is not None or len(args.files) % 2):
        p.error("SRC.csv DST.csv pairs, or --nab and --into")
    if args.into is not None and args.nab is None:
        p.error("--into needs --nab")
    if args.into is None:
        pairs = zip(args.files[::2], args.files[1::2])
    else:
        pairs = [(os.path.join(args.nab, f),
                  os.path.join(args.into, args.name.format(os.path.basename(f).removesuffix(".csv"))))
                 for f in args.files]
    for src, dst in pairs:
        convert(src, dst, args.drop_repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
