#!/usr/bin/env bash
# accuracy-forecast.sh DATA BENCH PRESCALE_BIN OUTDIR [LABEL]
#
# Runs `prescale forecast` (its default: the controller's forecaster) on
# every trace in DATA/traces (horizon 12, eval-from 0.7; stride 30 for
# 1-minute traces, 6 for 5-minute, 1 for 30-minute and hourly), scores each
# output with BENCH/forecast_score.py and prints a markdown section to
# stdout. Progress goes to stderr. LABEL (default "in-sample") says whether
# the traces were used to choose defaults ("in-sample") or never looked at
# while tuning ("held out"); it is printed on every row.
# Bars (issue 13): MAE ratio vs the better baseline at or below the best
# measured peer on each trace that has one (below 1 on the others), 80 %
# interval coverage in [0.75, 0.88], geometric mean of the ratios <= 0.70.
set -euo pipefail

if [ $# -ne 4 ] && [ $# -ne 5 ]; then
	echo "usage: $0 DATA BENCH PRESCALE_BIN OUTDIR [LABEL]" >&2
	exit 2
fi
data=$1 bench=$2 bin=$3 outdir=$4 label=${5:-in-sample}
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

python3 - "$outdir" "$label" "${traces[@]}" <<'PY'
import json, math, os, sys

outdir, label, traces = sys.argv[1], sys.argv[2], sys.argv[3:]
# Best measured peer on each shared trace: issue 13's table, measured with
# forecast_score.py and this protocol (R forecast stlf/mstl/auto.arima,
# Prophet, Prometheus predict_linear and holt_winters, PHPA's Holt-Winters,
# Crane's DSP).
PEERS = {
    "nab_aws_asg_cpu_5m": (0.761, "R stlf"),
    "nab_aws_elb_requests_5m": (0.807, "Prophet"),
    "nab_ec2_cpu_5m": (0.76, "PHPA's Holt-Winters"),
    "nab_nyc_taxi_30m": (0.620, "R mstl"),
    "nab_twitter_aapl_5m": (1.31, "Crane DSP"),
    "nasa_http_aug95_1m": (0.80, "predict_linear"),
    "nasa_http_jul95_1m": (0.82, "predict_linear"),
    "wikipedia_en_pagecounts_1h": (0.494, "R mstl"),
}
rows, ratios, ok_all = [], [], True
for path in traces:
    name = os.path.splitext(os.path.basename(path))[0]
    peer, peer_name = PEERS.get(name, (None, ""))
    peer_s = f"{peer:.3g} ({peer_name})" if peer else "none measured"
    try:
        with open(os.path.join(outdir, name + ".json")) as fh:
            j = json.load(fh)
    except (OSError, ValueError) as exc:
        rows.append(f"| `{name}` | {label} | | | | | | | {peer_s} | | FAIL (no score: {exc}) |")
        ok_all = False
        continue
    if not j.get("valid"):
        rows.append(f"| `{name}` | {label} | {j.get('n_samples', '')} | | | | | | {peer_s} | | FAIL (invalid: {'; '.join(j.get('problems', []))[:200]}) |")
        ok_all = False
        continue
    o = j["overall"]
    m, nv, sn = o["model"]["mae"], o["naive"]["mae"], o["seasonal_naive"]["mae"]
    best = min(nv, sn)
    ratio = m / best if best > 0 else float("nan")
    cov = (o.get("interval") or {}).get("coverage")
    secs = open(os.path.join(outdir, name + ".seconds")).read().strip()
    passed = (ratio <= (peer if peer else 1.0)) and cov is not None and 0.75 <= cov <= 0.88
    ok_all &= passed
    ratios.append(ratio)
    cov_s = f"{cov:.3f}" if cov is not None else "n/a"
    rows.append(f"| `{name}` | {label} | {j['n_samples']} | {j['scored_points']} | {m:.6g} | {nv:.6g} | {sn:.6g} | "
                f"**{ratio:.3f}** | {peer_s} | {cov_s} | {'pass' if passed else 'FAIL'} ({secs} s) |")
gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else float("nan")
print("## Forecast accuracy")
print()
print("`prescale forecast --horizon 12 --eval-from 0.7` (its default: the forecaster the controller runs, "
      "with the controller's defaults and refit schedule, causal) on every trace (stride 30 for 1-minute, "
      "6 for 5-minute, 1 for 30-minute and hourly traces), scored by `forecast_score.py`. "
      "Ratio = model MAE / min(naive MAE, seasonal-naive MAE). The best peer is the lowest ratio measured "
      "on the same trace by the same referee and protocol (issue 13's measurements of R forecast "
      "`stlf`/`mstl`/`auto.arima`, Prophet, Prometheus `predict_linear` and `holt_winters`, PHPA's "
      "Holt-Winters and Crane's DSP). Bars: ratio at or below the best peer (below 1 where none was "
      "measured), 80 % interval coverage in [0.75, 0.88], geometric mean <= 0.70. One global configuration.")
print()
print("| trace | data | n | scored points | model MAE | naive MAE | seasonal-naive MAE | ratio vs better baseline | best peer ratio | 80 % coverage | result (CLI time) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    print(r)
print()
gm_ok = gm <= 0.70
print(f"Geometric mean of the ratios: **{gm:.3f}** ({'pass' if gm_ok else 'FAIL'}, bar <= 0.70). "
      f"All traces within their bars: **{'yes' if ok_all else 'no'}**.")
PY
