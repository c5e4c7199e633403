#!/usr/bin/env bash
# The forecasts on the tuning set: the 16 NAB series of
# scripts/accuracy-tuneset.sh (neither among the eight traces nor held
# out), converted as that script converts them, forecast and scored by
# scripts/accuracy-forecast.sh with its protocol (horizon 12, eval-from
# 0.7; stride 6 for the 5-minute series, 1 for the hourly one), labelled
# in-sample: the forecaster's model selection is chosen on the eight
# traces and on this set together (docs/tuning.md, "Forecasts on the
# tuning set"); the held-out series of scripts/accuracy-heldout.sh are not.
# Each file is named by its sampling step (tune_NAME_5m.csv,
# tune_NAME_1h.csv, the median interval between its timestamps), which
# sets the stride.
#
# usage: scripts/accuracy-tuneset-forecast.sh DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR
# e.g.   scripts/accuracy-tuneset-forecast.sh ../shared/data ../shared/bench ./bin/prescale out/tuneset-forecast
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 4 ]; then
	echo "usage: $0 DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR" >&2
	exit 2
fi
data=$1 bench=$2 prescale=$3 out=$4
# The same list as scripts/accuracy-tuneset.sh (one list: read from there).
mapfile -t files < <(sed -n '/^files=(/,/^)/{/^files=(/d;/^)/d;s/^[[:space:]]*//;p}' scripts/accuracy-tuneset.sh)
if [ ${#files[@]} -eq 0 ]; then
	echo "error: no series listed in scripts/accuracy-tuneset.sh" >&2
	exit 2
fi
rm -rf "$out/data"
mkdir -p "$out/data/traces" "$out/raw"
python3 scripts/nab2trace.py --drop-repeats --nab "$data/nab/data" --into "$out/raw" "${files[@]}"
for f in "${files[@]}"; do
	name=$(basename "$f" .csv)
	step=$(python3 - "$out/raw/$name.csv" <<'PY'
import csv, statistics, sys
ts = [int(r["timestamp"]) for r in csv.DictReader(open(sys.argv[1]))]
d = statistics.median(b - a for a, b in zip(ts, ts[1:]))
print({60: "1m", 300: "5m", 1800: "30m", 3600: "1h"}.get(int(d), f"{int(d)}s"))
PY
)
	mv "$out/raw/$name.csv" "$out/data/traces/tune_${name}_$step.csv"
done
rmdir "$out/raw"
./scripts/accuracy-forecast.sh "$out/data" "$bench" "$prescale" "$out/forecast" "in-sample"
