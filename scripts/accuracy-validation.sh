#!/usr/bin/env bash
# The validation set of the decision policy (session 5): seven NAB series
# that are neither among the eight traces, the tuning set
# (scripts/accuracy-tuneset.sh), the flash-crowd cuts nor the held-out
# series (scripts/accuracy-heldout.sh), and whose decision scores had never
# been computed when this list was committed. Tweet volumes (the AAPL
# family), hourly ad-exchange CPM, road occupancy and an office temperature.
#
# Its use is a gate, not a search: a decision change chosen on the traces
# and the tuning set is run here once before it lands, and does not land if
# it makes this set worse. Data that gates a change has chosen something,
# so this set is in-sample too (docs/accuracy.md says so); only the
# held-out series stay unseen. Converted and scored exactly as the tuning
# set is (scripts/autoscale_eval.py, all four scenarios).
#
# usage: scripts/accuracy-validation.sh DATA_DIR BENCH_DIR PRESCALE_BIN OUT_DIR [autoscale_eval.py flags]
# e.g.   scripts/accuracy-validation.sh ../shared/data ../shared/bench ./bin/prescale out/validation --jobs 2
set -euo pipefail

files=(
	realTweets/Twitter_volume_CVS.csv
	realTweets/Twitter_volume_PFE.csv
	realTweets/Twitter_volume_UPS.csv
	realAdExchange/exchange-2_cpm_results.csv
	realAdExchange/exchange-4_cpm_results.csv
	realTraffic/occupancy_t4013.csv
	realKnownCause/ambient_temperature_system_failure.csv
)
exec "$(dirname "$0")/nab-decision-set.sh" val out/validation "${files[@]}" -- "$@"
