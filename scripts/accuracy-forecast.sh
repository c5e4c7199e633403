#!/usr/bin/env bash
# accuracy-forecast.sh DATA BENCH PRESCALE_BIN OUTDIR
#
# Runs `prescale forecast` on every trace in DATA/traces (horizon 12,
# eval-from 0.7; stride 30 for 1-minute traces, 6 for 5-minute, 1 for
# 30-minute and hourly), scores each output with BENCH/forecast_score.py
# and prints a markdown section to stdout. Progress goes to stderr.
# Targets (issue 3): MAE ratio vs the better baseline <= 0.9 on every
# trace, geometric mean <= 0.8; 80 % interval coverage in [0.75, 0.88].
set -euo pipefail

if [ $# -ne 4 ]; then
	echo "usage: $0 DATA BENCH PRESCALE_BIN OUTDIR" >&2
	exit 2
fi
data=$1 bench=$2 bin=$3 outdir=$4
[ -d "$data/traces" ] || { echo "error: no traces in DATA=$data" >&2; exit 2; }
[ -f "$bench/forecast_score.py" ] || { echo "error: no forecast_score.py in BENCH=$bench" >&2; exit 2; }
[ -x "$bin" ] || { echo "error: PRESCALE_BIN=$bin is not executable" >&2; exit 2; }
mkdir -p "$outdir"

horizon=12
eval_from=0.7

stride_for() {
	# The step from the file name suffix (_1m, _5m, _30m, _1h).
	case "$1" in
	*_1m) echo 30 ;;
	*_5m) echo 6 ;;
	*_30m | *_1h) echo 1 ;;
	*) echo 1 ;;
	esac
}

shopt -s nullglob
traces=("$data"/traces/*.csv)
if [ ${#traces[@]} -eq 0 ]; then
	echo "error: no CSV files in $data/traces" >&2
	exit 2
fi

for f in "${traces[@]}"; do
	name=$(basename "$f" .csv)
	stride=$(stride_for "$name")
	echo ">> forecasting $name (stride $stride)" >&2
	start=$(date +%s)
	if ! "$bin" forecast --trace "$f" --horizon "$horizon" --eval-from "$eval_from" \
		--stride "$stride" --out "$outdir/$name.csv" 2>"$outdir/$name.log"; then
		echo ">> prescale forecast failed on $name (see $outdir/$name.log)" >&2
	fi
	end=$(date +%s)
	echo "$((end - start))" >"$outdir/$name.seconds"
	set +e
	python3 "$bench/forecast_score.py" --trace "$f" --forecasts "$outdir/$name.csv" \
		--horizon "$horizon" --eval-from "$eval_from" --stride "$stride" --json >"$outdir/$name.json"
	rc=$?
	set -e
	echo ">> scored $name (exit $rc)" >&2
done

python3 - "$outdir" "${traces[@]}" <<'PY'
import json, math, os, sys

outdir, traces = sys.argv[1], sys.argv[2:]
rows, ratios, ok_all = [], [], True
for path in traces:
    name = os.path.splitext(os.path.basename(path))[0]
    try:
        with open(os.path.join(outdir, name + ".json")) as fh:
            j = json.load(fh)
    except (OSError, ValueError) as exc:
        rows.append(f"| `{name}` | | | | | | | | FAIL (no score: {exc}) |")
        ok_all = False
        continue
    if not j.get("valid"):
        rows.append(f"| `{name}` | {j.get('n_samples', '')} | | | | | | | FAIL (invalid: {'; '.join(j.get('problems', []))[:200]}) |")
        ok_all = False
        continue
    o = j["overall"]
    m, nv, sn = o["model"]["mae"], o["naive"]["mae"], o["seasonal_naive"]["mae"]
    best = min(nv, sn)
    ratio = m / best if best > 0 else float("nan")
    cov = (o.get("interval") or {}).get("coverage")
    secs = open(os.path.join(outdir, name + ".seconds")).read().strip()
    passed = (ratio <= 0.9) and cov is not None and 0.75 <= cov <= 0.88
    ok_all &= passed
    ratios.append(ratio)
    cov_s = f"{cov:.3f}" if cov is not None else "n/a"
    rows.append(f"| `{name}` | {j['n_samples']} | {j['scored_points']} | {m:.6g} | {nv:.6g} | {sn:.6g} | "
                f"{ratio:.3f} | {cov_s} | {'pass' if passed else 'FAIL'} ({secs} s) |")
gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else float("nan")
print("## Forecast accuracy")
print()
print("`prescale forecast --horizon 12 --eval-from 0.7` on every trace (stride 30 for 1-minute, "
      "6 for 5-minute, 1 for 30-minute and hourly traces), scored by `forecast_score.py`. "
      "Ratio = model MAE / min(naive MAE, seasonal-naive MAE). Targets: ratio <= 0.9 on every trace, "
      "geometric mean <= 0.8, 80 % interval coverage in [0.75, 0.88]. One global configuration.")
print()
print("| trace | n | scored points | model MAE | naive MAE | seasonal-naive MAE | ratio vs better baseline | 80 % coverage | result (CLI time) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    print(r)
print()
gm_ok = gm <= 0.8
print(f"Geometric mean of the ratios: **{gm:.3f}** ({'pass' if gm_ok else 'FAIL'}, target <= 0.8). "
      f"All traces within targets: **{'yes' if ok_all else 'no'}**.")
PY
