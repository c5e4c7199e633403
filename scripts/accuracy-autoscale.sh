#!/usr/bin/env bash
# Measures `prescale backtest` against the independent referee
# autoscale_score.py on every trace and prints a markdown section: the
# violation ratio and the scale events against a reactive HPA at equal cost,
# and three robustness scenarios (the cluster twice as slow or twice as fast
# as configured, units 2.5x finer). scripts/autoscale_eval.py does the work;
# see its header for the protocol and the targets.
#
# usage: scripts/accuracy-autoscale.sh DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR
#
# For every DATA_DIR/traces/*.csv: capacity = the trace's 99th-percentile
# value (sorted non-missing values, index floor(0.99*m)) / 20, lag 300 s,
# min 1, max 100; decisions scored from 70 % of the trace on against the HPA
# curve at targets 0.4..0.95. One global configuration: no per-trace flags.
set -euo pipefail

data=${1:-../shared/data}
bench=${2:-../shared/bench}
prescale=${3:-./prescale}
out=${4:-out/autoscale}

shopt -s nullglob
traces=("$data"/traces/*.csv)
if [ ${#traces[@]} -eq 0 ]; then
	echo "accuracy-autoscale: no traces under $data/traces" >&2
	exit 2
fi
exec python3 "$(dirname "$0")/autoscale_eval.py" --data "$data" --bench "$bench" --prescale "$prescale" \
	--out "$out" --jobs "${AUTOSCALE_JOBS:-1}"
