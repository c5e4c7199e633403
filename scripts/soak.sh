#!/usr/bin/env bash
# Soak of prescale-controller against a real Prometheus and Alertmanager
# (make soak; docs/reliability.md, "Soak"). Everything listens on 127.0.0.1
# on free ports and lives in a temporary directory:
#
# - Debian's prometheus and prometheus-alertmanager (make soak installs them:
#   scripts/ensure-test-deps.sh --servers),
#   Prometheus scraping prescale-exporter, the controller, itself and the
#   receiver every 5 s with the repository's rules (deploy/rules), sending
#   alerts to Alertmanager, which notifies the receiver;
# - prescale-exporter and prescale-controller built from this tree: ten
#   targets in four tiers (one current_query, one complete_query), a
#   webhook actuator, a 5-second scaling interval;
# - scripts/soak_receiver.py, the webhook receiver (its faults are set
#   through its /control endpoint), which also exposes soak_demand, the
#   demand of one target.
#
# Faults, one at a time with a recovery between, on a schedule scaled to
# SOAK_MINUTES (37: the durations below): after 3 minutes, Prometheus
# stopped 3 min, Alertmanager stopped 2, the receiver answering 500,
# hanging, slow (3 s), 2 min each (each with a decision to deliver), the data directory unwritable 2 min (as root the controller
# runs as nobody, since root writes anywhere), soak_demand answering 16
# series (cache-demand) and soak_spare none (cache-spare), 2 min each, the
# exporter stopped 2 min, each followed by 90 s of recovery; then the
# controller is restarted and runs 1 more minute. The controller's /metrics is sampled each
# minute, /readyz and /api/system/health every 2 s; at the end a markdown
# summary (scripts/soak_report.py) is printed and kept with the logs.
#
# Usage: scripts/soak.sh [-k] BINDIR
#   BINDIR holds prescale-exporter and prescale-controller (make soak builds
#   them). -k keeps the temporary directory (its path is printed).
# Variables: SOAK_MINUTES (37), SOAK_OUT (a file the summary is also
# written to), SOAK_SAMPLE_SECONDS (60: how often /metrics is sampled).
set -euo pipefail

keep=0
if [ "${1:-}" = "-k" ]; then keep=1; shift; fi
bindir="${1:?usage: scripts/soak.sh [-k] BINDIR}"
bindir="$(cd "$bindir" && pwd)"
repo="$(cd "$(dirname "$0")/.." && pwd)"
minutes="${SOAK_MINUTES:-37}"
# SOAK_MINUTES may be fractional (0.5 for a try of the script).
base_total=2190 # seconds of the schedule below at scale 1
scale_ms=$(awk -v m="$minutes" -v b="$base_total" 'BEGIN { if (m <= 0) exit 1; printf "%d", m * 60000 / b }') ||
	{ echo "error: SOAK_MINUTES must be a positive number of minutes, got '$minutes'" >&2; exit 2; }

prom_bin="$(command -v prometheus || true)"
am_bin="$(command -v prometheus-alertmanager || command -v alertmanager || true)"
for b in "$prom_bin" "$am_bin" "$bindir/prescale-exporter" "$bindir/prescale-controller"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		echo "error: the soak needs prometheus, prometheus-alertmanager (make soak installs them with scripts/ensure-test-deps.sh --servers) and BINDIR's prescale-exporter and prescale-controller" >&2
		exit 2
	fi
done
if ! command -v python3 >/dev/null || ! command -v curl >/dev/null; then
	echo "error: the soak needs python3 and curl" >&2
	exit 2
fi

dir="$(mktemp -d -t prescale-soak.XXXXXX)"
chmod 755 "$dir"
declare -A pids=()
samplers=() # the background loops of run_soak, this shell's children
napping=    # the sleep nap waits for

# nap SECONDS: sleeps in the background and waits for it, so that a
# SIGTERM or SIGINT stops the soak at once: bash runs a trap only once
# the foreground command ends, and the soak's sleeps last minutes (a
# SIGKILL that followed would leave the stack, in sessions of its own,
# running).
nap() {
	sleep "$1" &
	napping=$!
	wait "$napping"
	napping=
}

# start NAME CMD...: runs CMD in its own process group (setsid), logs to
# $dir/NAME.log (appended: a restart keeps the earlier lines).
start() {
	local name="$1"; shift
	setsid "$@" >>"$dir/$name.log" 2>&1 </dev/null &
	pids[$name]=$!
}

# stop NAME: SIGTERM to NAME's process group, SIGKILL after 15 s.
stop() {
	local pid="${pids[$1]:-}"
	[ -n "$pid" ] || return 0
	kill -TERM -- "-$pid" 2>/dev/null || true
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "pids[$1]"
}

cleanup() {
	local rc=$? name
	trap - EXIT INT TERM
	[ -z "$napping" ] || kill "$napping" 2>/dev/null || true
	[ "${#samplers[@]}" -eq 0 ] || kill "${samplers[@]}" 2>/dev/null || true
	for name in "${!pids[@]}"; do stop "$name"; done
	chmod -R u+w "$dir" 2>/dev/null || true
	if [ "$keep" = 1 ] || [ "$rc" -ne 0 ]; then
		echo ">> soak files kept in $dir" >&2
	else
		rm -rf "$dir"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback ports, bound at once so they differ.
read -r p_prom p_am p_exp p_ctl p_hook < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
prom="127.0.0.1:$p_prom" am="127.0.0.1:$p_am" exp="127.0.0.1:$p_exp"
ctl="127.0.0.1:$p_ctl" hook="127.0.0.1:$p_hook"

mkdir -p "$dir/bin" "$dir/controller-data" "$dir/prometheus-data" "$dir/alertmanager-data" "$dir/samples"
: >"$dir/events.tsv"

# The stack's configuration: the shapes of the repository's prometheus.yml
# (its three jobs and rule files) and alertmanager.yml (a webhook
# receiver), rendered for the loopback addresses.
write_configs() {
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 5s
rule_files:
  - $repo/deploy/rules/recording.yml
  - $repo/deploy/rules/alerts.yml
  - $dir/soak-rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["$am"]
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["$prom"]}]
  - job_name: prescale-exporter
    static_configs: [{targets: ["$exp"]}]
  - job_name: prescale-controller
    static_configs: [{targets: ["$ctl"]}]
  - job_name: soak-receiver
    static_configs: [{targets: ["$hook"]}]
EOF
	# An alert always firing, so that Alertmanager always has a
	# notification for the receiver (its delivery after Alertmanager's
	# restart is measured).
	cat >"$dir/soak-rules.yml" <<'EOF'
groups:
  - name: soak
    rules:
      - alert: SoakWatchdog
        expr: vector(1)
EOF
	cat >"$dir/alertmanager.yml" <<EOF
route:
  receiver: soak
  group_by: [alertname]
  group_wait: 1s
  group_interval: 10s
  repeat_interval: 1m
receivers:
  - name: soak
    webhook_configs:
      - url: http://$hook/alertmanager
EOF
	cat >"$dir/targets.yml" <<'EOF'
# Ten targets in four tiers on what the exporter, the controller, Prometheus
# and the receiver expose: one current_query (web-load), one complete_query
# (web-cpu); cache-demand's demand is raised at each of the receiver's
# faults (a decision to deliver) and answers 16 series in one; cache-spare's
# none in another.
targets:
  - {name: web-cpu, tier: web, kind: cpu, capacity_per_unit: 0.1, max_units: 40, lag: 1m,
     query: 'sum(rate(prescale_cpu_seconds_total{job="prescale-exporter",mode!~"idle|iowait|steal"}[1m]))',
     complete_query: 'min(min_over_time(up{job="prescale-exporter"}[1m]))'}
  - {name: web-load, tier: web, capacity_per_unit: 0.25, max_units: 40, lag: 30s,
     query: 'prescale_load1{job="prescale-exporter"}',
     current_query: 'prescale_cpus{job="prescale-exporter"}'}
  - {name: web-net, tier: web, capacity_per_unit: 20000, max_units: 100, lag: 1m,
     query: 'sum(rate(prescale_network_bytes_total{job="prescale-exporter"}[1m]))'}
  - {name: worker-mem, tier: worker, kind: memory, capacity_per_unit: 1073741824, max_units: 256, lag: 2m,
     query: 'prescale_memory_size_bytes{job="prescale-exporter"} - prescale_memory_available_bytes{job="prescale-exporter"}'}
  - {name: worker-ctxsw, tier: worker, capacity_per_unit: 2000, max_units: 200, lag: 1m,
     query: 'sum(rate(prescale_context_switches_total{job="prescale-exporter"}[1m]))'}
  - {name: worker-ctl, tier: worker, capacity_per_unit: 5, max_units: 50, lag: 30s,
     query: 'go_goroutines{job="prescale-controller"}'}
  - {name: db-disk, tier: db, kind: storage, capacity_per_unit: 10737418240, max_units: 1000, lag: 5m,
     query: 'sum(prescale_filesystem_size_bytes{job="prescale-exporter"} - prescale_filesystem_free_bytes{job="prescale-exporter"})'}
  - {name: db-writes, tier: db, capacity_per_unit: 1048576, max_units: 100, lag: 2m,
     query: 'sum(rate(prescale_disk_written_bytes_total{job="prescale-exporter"}[1m]))'}
  - {name: cache-demand, tier: cache, capacity_per_unit: 1, max_units: 20, lag: 30s,
     scale_up_cooldown: 0s, query: 'soak_demand{job="soak-receiver"}'}
  - {name: cache-spare, tier: cache, capacity_per_unit: 1, max_units: 20, lag: 30s,
     query: 'soak_spare{job="soak-receiver"}'}
EOF
}

start_prometheus() {
	start prometheus "$prom_bin" --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/prometheus-data" \
		--web.listen-address="$prom" --web.external-url="http://$prom"
}

start_alertmanager() {
	start alertmanager "$am_bin" --config.file="$dir/alertmanager.yml" \
		--storage.path="$dir/alertmanager-data" \
		--web.listen-address="$am" --web.external-url="http://$am" \
		--cluster.listen-address= # no HA cluster: nothing listens on :9094
}

start_exporter() {
	start exporter env PRESCALE_EXPORTER_LISTEN="$exp" "$dir/bin/prescale-exporter"
}

start_controller() {
	start controller env TZ=UTC \
		PRESCALE_LISTEN="$ctl" \
		PRESCALE_DATA_DIR="$dir/controller-data" \
		PRESCALE_PROMETHEUS_URL="http://$prom" \
		PRESCALE_TARGETS_FILE="$dir/targets.yml" \
		PRESCALE_SCALING_INTERVAL=5s \
		PRESCALE_STEP=15s \
		PRESCALE_HISTORY_WINDOW=1h \
		PRESCALE_MODE=act \
		PRESCALE_ACTUATOR=webhook \
		PRESCALE_WEBHOOK_URL="http://$hook/prescale" \
		"${as_user[@]}" "$dir/bin/prescale-controller"
}

# wait_http URL SECONDS: until URL answers 200.
wait_http() {
	for _ in $(seq $(($2 * 5))); do
		curl -fs -o /dev/null --max-time 2 "$1" && return 0
		sleep 0.2
	done
	echo "error: $1 not answering 200 after $2 s" >&2
	return 1
}

event() { printf '%s\t%s\t%s\n' "$(date +%s.%N)" "$1" "$2" >>"$dir/events.tsv"; }
control() { curl -fs -o /dev/null --max-time 5 -X POST "http://$hook/control?$1"; }

# scaled SECONDS: the schedule's seconds at SOAK_MINUTES's scale.
scaled() { awk -v s="$1" -v k="$scale_ms" 'BEGIN { printf "%.1f", s * k / 1000 }'; }

# wait_until EPOCH: sleeps until the wall-clock time EPOCH (no drift from
# the steps' own durations).
wait_until() {
	local left
	left=$(awk -v t="$1" -v n="$(date +%s.%N)" 'BEGIN { d = t - n; printf "%.2f", (d > 0 ? d : 0) }')
	nap "$left"
}

# The samplers: the controller's /metrics every SOAK_SAMPLE_SECONDS (60),
# /readyz and /api/system/health every 2 s. Each runs in a subshell of its
# own that, told to stop, stops its nap too.
stop_napping() { trap '[ -z "$napping" ] || kill "$napping" 2>/dev/null; exit 0' TERM; }

sample_metrics() {
	local t
	stop_napping
	while :; do
		t=$(date +%s)
		curl -s --max-time 10 "http://$ctl/metrics" >"$dir/samples/$t.tmp" 2>/dev/null &&
			mv "$dir/samples/$t.tmp" "$dir/samples/$t.prom"
		nap "${SOAK_SAMPLE_SECONDS:-60}"
	done
}

probe() {
	local t ready health
	stop_napping
	while :; do
		t=$(date +%s.%N)
		ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$ctl/readyz" || true)
		health=$(curl -s --max-time 3 "http://$ctl/api/system/health" | tr -d '\n' || true)
		printf '%s\t%s\t%s\n' "$t" "${ready:-000}" "${health:-null}" >>"$dir/probes.tsv"
		nap 2
	done
}

# fault NAME BASE_SECONDS START_CMD END_CMD: the fault for its scaled
# duration, then a recovery of 90 scaled seconds.
fault() {
	local name="$1" t0
	t0=$(date +%s.%N)
	echo ">> $(date -u +%H:%M:%S) fault $name for $(scaled "$2") s" >&2
	event "$name" start
	eval "$3"
	wait_until "$(awk -v a="$t0" -v b="$(scaled "$2")" 'BEGIN { printf "%.2f", a + b }')"
	eval "$4"
	event "$name" end
	wait_until "$(awk -v a="$t0" -v b="$(scaled $(($2 + 90)))" 'BEGIN { printf "%.2f", a + b }')"
}

# restart_controller: SIGTERM, the state file kept aside, start again.
restart_controller() {
	echo ">> $(date -u +%H:%M:%S) restarting the controller" >&2
	event restart start
	stop controller
	cp "$dir/controller-data/controller-state.json" "$dir/state-at-stop.json" || true
	event restart stopped
	start_controller
	wait_http "http://$ctl/readyz" 120
	event restart end
}

run_soak() {
	start receiver python3 "$repo/scripts/soak_receiver.py" --listen "$hook"
	start_alertmanager
	start_prometheus
	start_exporter
	wait_http "http://$am/-/ready" 60
	wait_http "http://$prom/-/ready" 60
	wait_http "http://$exp/metrics" 30
	wait_http "http://$hook/metrics" 30
	nap 12 # two scrapes of everything (rate() needs two) before the first cycle
	start_controller
	wait_http "http://$ctl/readyz" 120
	event soak start
	sample_metrics &
	samplers+=($!)
	probe &
	samplers+=($!)
	echo ">> $(date -u +%H:%M:%S) soak of $minutes min (files in $dir)" >&2
	nap "$(scaled 180)"
	fault prometheus 180 "stop prometheus" start_prometheus
	fault alertmanager 120 "stop alertmanager" start_alertmanager
	# Each receiver fault comes with a higher demand for cache-demand, so
	# that a decision is delivered during it.
	fault webhook-500 120 "control 'webhook=500&demand=6'" "control webhook=ok"
	fault webhook-hang 120 "control 'webhook=hang&demand=9'" "control webhook=ok"
	fault webhook-slow 120 "control 'webhook=slow&demand=12'" "control webhook=ok"
	# shellcheck disable=SC2016 # fault evaluates them
	fault data-dir-unwritable 120 'chmod 555 "$dir/controller-data"' 'chmod 755 "$dir/controller-data"'
	fault query-16-series 120 "control series=series16" "control series=one"
	fault query-no-series 120 "control spare=none" "control spare=one"
	fault exporter 120 "stop exporter" start_exporter
	restart_controller
	nap "$(scaled 60)"
	event soak end
	kill "${samplers[@]}" 2>/dev/null || true
	wait "${samplers[@]}" 2>/dev/null || true
	samplers=()
	curl -s --max-time 10 "http://$ctl/metrics" >"$dir/samples/$(date +%s).prom" || true
	stop controller
	cp "$dir/controller-data/controller-state.json" "$dir/state-at-end.json" || true
}

write_configs
# The controller runs as nobody when the soak runs as root: root writes
# into a directory without write permission, so the data-directory fault
# would be none.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || { echo "error: as root the soak needs setpriv (util-linux) to run the controller as nobody" >&2; exit 2; }
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chown 65534:65534 "$dir/controller-data"
fi
cp "$bindir/prescale-exporter" "$bindir/prescale-controller" "$dir/bin/"
run_soak
python3 "$repo/scripts/soak_report.py" "$dir" | tee "${SOAK_OUT:-/dev/null}"
