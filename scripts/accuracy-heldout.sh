#!/usr/bin/env bash
# A held-out check: the forecasting and scaling defaults were chosen while
# watching the referees on DATA/traces, so their scores there are in-sample.
# This runs the same two measurements, unchanged, on NAB series that are NOT
# among the traces (converted to unix timestamps, values untouched) and
# prints a markdown section.
#
# usage: scripts/accuracy-heldout.sh DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:-../shared/data}
bench=${2:-../shared/bench}
prescale=${3:-./bin/prescale}
out=${4:-out/heldout}
files=(
	realTweets/Twitter_volume_GOOG.csv
	realTweets/Twitter_volume_IBM.csv
	realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv
	realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv
	realAWSCloudwatch/grok_asg_anomaly.csv
	realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv
)
rm -rf "$out/data"
mkdir -p "$out/data/traces"
for f in "${files[@]}"; do
	python3 - "$data/nab/data/$f" "$out/data/traces/heldout_$(basename "$f" .csv)_5m.csv" <<'PY'
import calendar, csv, sys, time
src, dst = sys.argv[1:]
with open(src, newline="") as fin, open(dst, "w", newline="") as fout:
    w = csv.writer(fout)
    w.writerow(["timestamp", "value"])
    last = None
    for row in csv.DictReader(fin):
        ts = calendar.timegm(time.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S"))
        if last is not None and ts <= last:
            raise SystemExit(f"{src}: timestamps not increasing at {row['timestamp']}")
        last = ts
        w.writerow([ts, row["value"]])
PY
done

echo "## Held-out check (NAB series not among the traces)"
echo
echo "The defaults above were chosen while watching the referees on the eight traces, so those"
echo "scores are in-sample. The same commands and referees, unchanged, on ${#files[@]} NAB series that"
echo "played no part in choosing them (timestamps converted to unix seconds, values untouched):"
echo
./scripts/accuracy-forecast.sh "$out/data" "$bench" "$prescale" "$out/forecast" | sed 's/^## /### /'
echo
./scripts/accuracy-autoscale.sh "$out/data" "$bench" "$prescale" "$out/autoscale" | sed 's/^## /### /'
