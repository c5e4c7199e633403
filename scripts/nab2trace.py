#!/usr/bin/env python3
"""Converts NAB data files into referee traces: timestamps to unix seconds,
values untouched (scripts/accuracy-heldout.sh, scripts/accuracy-tuneset.sh).
A timestamp that does not increase is an error, or with --drop-repeats the
row is dropped and counted on stderr (a few NAB files repeat an hour at a
daylight-saving change: realAWSCloudwatch/ec2_network_in_5abac7.csv at
2014-03-09 03:00:00).

usage: scripts/nab2trace.py [--drop-repeats] SRC.csv DST.csv [SRC.csv DST.csv ...]
"""
import calendar
import csv
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
    drop = bool(argv) and argv[0] == "--drop-repeats"
    if drop:
        argv = argv[1:]
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for src, dst in zip(argv[::2], argv[1::2]):
        convert(src, dst, drop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
