#!/usr/bin/env bash
# The tuning set of the decision policy: NAB series that are neither among
# the eight traces of DATA/traces nor among the held-out series of
# scripts/accuracy-heldout.sh, converted as that script converts them
# (timestamps to unix seconds, values untouched; a row repeating a
# timestamp at a daylight-saving change is dropped), scored by
# scripts/autoscale_eval.py (all four scenarios, the issue-11 bars). The
# decision defaults are chosen on the eight traces and on this set together
# (docs/tuning.md, "Tuning set"); both are in-sample, the held-out series
# are not. Cloud VM and database CPU, disk and network, request latency, a
# machine temperature, tweet volumes, road occupancy and ad-exchange CPM:
# the kinds of load issue 11 is judged on.
#
# usage: scripts/accuracy-tuneset.sh DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR [autoscale_eval.py flags]
# e.g.   scripts/accuracy-tuneset.sh ../shared/data ../shared/bench ./bin/prescale out/tuneset --jobs 2
set -euo pipefail

files=(
	realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv
	realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv
	realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv
	realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv
	realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv
	realAWSCloudwatch/grok_asg_anomaly.csv
	realAWSCloudwatch/ec2_network_in_5abac7.csv
	realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv
	realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv
	realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv
	realKnownCause/ec2_request_latency_system_failure.csv
	realKnownCause/machine_temperature_system_failure.csv
	realTweets/Twitter_volume_GOOG.csv
	realTweets/Twitter_volume_KO.csv
	realTraffic/occupancy_6005.csv
	realAdExchange/exchange-3_cpm_results.csv
)
exec "$(dirname "$0")/nab-decision-set.sh" tune out/tuneset "${files[@]}" -- "$@"
