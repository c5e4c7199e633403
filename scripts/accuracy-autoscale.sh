#!/usr/bin/env bash
# Measures `prescale backtest` against the independent referee
# autoscale_score.py on every trace and prints a markdown section.
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
targets=0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8,0.85,0.9,0.95
mkdir -p "$out"

shopt -s nullglob
traces=("$data"/traces/*.csv)
if [ ${#traces[@]} -eq 0 ]; then
	echo "accuracy-autoscale: no traces under $data/traces" >&2
	exit 2
fi

echo "## Autoscaling: prescale backtest vs a reactive HPA at equal cost"
echo
echo "Referee: \`autoscale_score.py --lag 300 --min 1 --max 100 --eval-from 0.7 --hpa-targets $targets\`;"
echo "capacity = p99 of the trace / 20. One global configuration (\`prescale backtest\` defaults)."
echo "Target: violation ratio <= 0.6 on every trace, geometric mean <= 0.4 (ratios below 0.05 count as 0.05),"
echo "instance-hours <= 1.5 x the oracle's."
echo
echo "| trace | capacity | violation ratio vs HPA | prescale violation s | HPA violation s at equal cost | instance-hours | oracle instance-hours | cost / oracle | backtest s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for t in "${traces[@]}"; do
	name=$(basename "$t" .csv)
	cap=$(python3 -c '
import csv, math, sys
vals = []
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        v = row["value"].strip().lower()
        if v in ("", "nan", "na", "n/a", "null", "none"):
            continue
        x = float(v)
        if math.isnan(x):
            continue
        vals.append(x)
vals.sort()
print(repr(vals[math.floor(0.99 * len(vals))] / 20))
' "$t")
	start=$(date +%s.%N)
	# A failing backtest or an invalid score must not abort the report (set -e):
	# the trace gets a FAIL row and counts against the target below.
	if ! "$prescale" backtest --trace "$t" --capacity "$cap" --lag 300s --min 1 --max 100 \
		--eval-from 0.7 --quiet --decisions "$out/$name.decisions.csv" > "$out/$name.summary.txt" 2> "$out/$name.log"; then
		echo "accuracy-autoscale: prescale backtest failed on $name (see $out/$name.log)" >&2
	fi
	end=$(date +%s.%N)
	python3 "$bench/autoscale_score.py" --trace "$t" --decisions "$out/$name.decisions.csv" \
		--capacity "$cap" --lag 300 --min 1 --max 100 --eval-from 0.7 --hpa-targets "$targets" \
		--json > "$out/$name.score.json" || echo "accuracy-autoscale: autoscale_score.py rejected $name" >&2
	python3 - "$out/$name.score.json" "$name" "$cap" "$start" "$end" "$results" <<'EOF'
import json, sys
path, name, cap, start, end, results = sys.argv[1:]
try:
    with open(path) as fh:
        r = json.load(fh)
except (OSError, ValueError) as exc:
    r = {"valid": False, "problems": [f"no score: {exc}"]}
if not r.get("valid", True) or "violation_ratio_vs_hpa_at_equal_cost" not in r:
    print(f"| {name} | {float(cap):.4g} | FAIL ({'; '.join(r.get('problems', []))[:200]}) | | | | | | |")
    with open(results, "a") as f:
        f.write(f"{name} fail inf\n")
    sys.exit(0)
ratio = r["violation_ratio_vs_hpa_at_equal_cost"]
eq = r["equal_cost"]
cost = r["scaler"]["instance_hours"] / r["oracle"]["instance_hours"]
clamped = f" ({eq['clamped']})" if eq["clamped"] else ""
shown = "n/a (HPA has 0)" if ratio is None else f"{ratio:.3f}{clamped}"
print(f"| {name} | {float(cap):.4g} | {shown} | {r['scaler']['violation_seconds']:.0f} | "
      f"{eq['hpa_violation_seconds']:.0f} | {r['scaler']['instance_hours']:.1f} | "
      f"{r['oracle']['instance_hours']:.1f} | {cost:.3f} | {float(end) - float(start):.2f} |")
with open(results, "a") as f:
    f.write(f"{name} {ratio if ratio is not None else 'nan'} {cost}\n")
EOF
done

python3 - "$results" <<'EOF'
import math, sys
rows = [line.split() for line in open(sys.argv[1])]
failed = [r[0] for r in rows if r[1] == "fail"]
rows = [r for r in rows if r[1] != "fail"]
ratios = [float(r[1]) for r in rows]
costs = [float(r[2]) for r in rows] or [float("nan")]
defined = [r for r in ratios if not math.isnan(r)]
geo = math.exp(sum(math.log(max(r, 0.05)) for r in defined) / len(defined)) if defined else float("nan")
worst = max(defined) if defined else float("nan")
ok = (not failed and len(defined) == len(ratios) and worst <= 0.6 and geo <= 0.4 and max(costs) <= 1.5)
print()
if failed:
    print(f"Failed traces (no valid score): {', '.join(failed)}.")
    print()
print(f"Geometric mean of the violation ratios (floored at 0.05): **{geo:.3f}**; worst: **{worst:.3f}**; "
      f"highest cost / oracle: **{max(costs):.3f}**. Target met: **{'yes' if ok else 'no'}**.")
EOF
