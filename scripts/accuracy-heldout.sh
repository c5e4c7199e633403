#!/usr/bin/env bash
# A held-out check: the forecasting and scaling defaults were chosen while
# watching the referees on DATA/traces, so their scores there are in-sample.
# This runs the same two measurements, unchanged, on NAB series that are NOT
# among the traces (converted to unix timestamps, values untouched) and
# prints a markdown section.
#
# The series below were picked (cloud VM and database CPU, network input,
# request-like tweet counts) and committed before their forecast or scaling
# scores were ever computed, after the forecasting defaults were set;
# nothing was tuned on them and their scores are looked at only to report
# them. The six NAB series this
# script used before (Twitter GOOG and IBM, ec2_cpu 24ae8d, rds_cpu
# e47b3b, grok_asg_anomaly, ec2_disk_write c0d644) were looked at while
# defaults were chosen: they are in-sample and no longer reported here. The
# anomaly detector's defaults were chosen on all 58 NAB files, so the NAB
# detection scores are in-sample too.
#
# usage: scripts/accuracy-heldout.sh DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:-../shared/data}
bench=${2:-../shared/bench}
prescale=${3:-./bin/prescale}
out=${4:-out/heldout}
files=(
	realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv
	realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv
	realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv
	realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv
	realAWSCloudwatch/ec2_network_in_257a54.csv
	realTweets/Twitter_volume_AMZN.csv
	realTweets/Twitter_volume_FB.csv
	realTweets/Twitter_volume_CRM.csv
)
rm -rf "$out/data"
mkdir -p "$out/data/traces"
python3 scripts/nab2trace.py --nab "$data/nab/data" --into "$out/data/traces" \
	--name 'heldout_{}_5m.csv' "${files[@]}"

echo "## Held-out check (NAB series never looked at while tuning)"
echo
echo "The defaults above were chosen while watching the referees on the eight traces, so those"
echo "scores are in-sample. The same commands and referees, unchanged, on ${#files[@]} NAB series"
echo "(held out: $(printf '%s, ' "${files[@]}" | sed 's/\.csv//g; s/, $//')) that were picked and"
echo "committed before their scores were first computed, after the forecasting defaults were set,"
echo "and never used to choose anything (timestamps converted to unix seconds, values untouched)."
echo "The six NAB series reported here before (Twitter GOOG and IBM, ec2_cpu 24ae8d, rds_cpu e47b3b,"
echo "grok_asg_anomaly, ec2_disk_write c0d644) were looked at while defaults were chosen, so they are"
echo "in-sample and no longer reported as held out."
echo "One exception, for the autoscaling tables only: ec2_network_in_257a54 was also among the"
echo "seven NAB series the scale-event work checked its change-cost rule on (docs/tuning.md), so its"
echo "autoscaling row has been looked at while that rule's release threshold was chosen; its forecast"
echo "row has not. Read it as in-sample; the other seven series are held out for every table, with"
echo "one caveat: two rejected variants of the overload-release rule were also run on these series"
echo "before that rule was chosen on the eight traces (docs/tuning.md), so their autoscaling rows"
echo "have been seen once for a choice they did not make."
echo
./scripts/accuracy-forecast.sh "$out/data" "$bench" "$prescale" "$out/forecast" "held out" | sed 's/^## /### /'
echo
./scripts/accuracy-autoscale.sh "$out/data" "$bench" "$prescale" "$out/autoscale" | sed 's/^## /### /'
