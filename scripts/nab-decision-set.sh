#!/usr/bin/env bash
# Scores prescale's decisions on a set of NAB series, as the tuning set
# (scripts/accuracy-tuneset.sh) and the validation set
# (scripts/accuracy-validation.sh) are: the series converted by
# scripts/nab2trace.py (timestamps to unix seconds, values untouched; a row
# repeating a timestamp at a daylight-saving change is dropped) into traces
# named NAME_<series>.csv, scored by scripts/autoscale_eval.py (all four
# scenarios, the issue-11 bars). Those two scripts hold the lists.
#
# usage: scripts/nab-decision-set.sh NAME DEFAULT_OUT NAB_FILE... -- [DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR [autoscale_eval.py flags]]
#   NAB_FILE is a path under DATA_DIR/nab/data; OUT_DIR defaults to DEFAULT_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/nab-decision-set.sh NAME DEFAULT_OUT NAB_FILE... -- [DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR [flags]]"
(($# >= 2)) || { echo "$usage" >&2; exit 2; }
name=$1
out=$2
shift 2
files=()
while (($#)) && [[ $1 != -- ]]; do
	files+=("$1")
	shift
done
((${#files[@]} && $#)) || { echo "$usage" >&2; exit 2; }
shift
data=${1:-../shared/data}
bench=${2:-../shared/bench}
prescale=${3:-./bin/prescale}
out=${4:-$out}
shift $(($# < 4 ? $# : 4))
rm -rf "$out/data"
mkdir -p "$out/data/traces" "$out/autoscale"
python3 scripts/nab2trace.py --drop-repeats --nab "$data/nab/data" --into "$out/data/traces" \
	--name "${name}_{}.csv" "${files[@]}"
exec python3 scripts/autoscale_eval.py --data "$out/data" --bench "$bench" --prescale "$prescale" \
	--out "$out/autoscale" "$@"
