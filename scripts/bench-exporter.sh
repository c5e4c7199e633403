#!/usr/bin/env bash
# Compares prescale-exporter with Debian's prometheus-node-exporter (default
# collectors) on this machine and prints a markdown section on stdout.
#
# Usage: scripts/bench-exporter.sh path/to/prescale-exporter
# Env:   N (scrapes per exporter, default 300), WARMUP (default 10),
#        NODE_EXPORTER (default prometheus-node-exporter)
#
# Both exporters run on free loopback ports and are scraped alternately by
# the same Go client (exporter/internal/benchscrape: keep-alive, gzip,
# Prometheus 2.42's Accept header). Reported per exporter: median and p99
# scrape latency, CPU seconds per 100 scrapes (utime+stime from
# /proc/<pid>/stat over the measured scrapes), resident memory (VmRSS after
# the run), exposition size and series count. Both processes are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:?usage: $0 path/to/prescale-exporter}"
N="${N:-300}"
WARMUP="${WARMUP:-10}"
NODE="${NODE_EXPORTER:-prometheus-node-exporter}"

[ -x "$BIN" ] || { echo "error: $BIN is not an executable (run make build)" >&2; exit 1; }
command -v "$NODE" >/dev/null || { echo "error: $NODE not found; install it with: sudo apt-get install prometheus-node-exporter" >&2; exit 1; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

echo ">> building the scrape client" >&2
go build -o "$work/benchscrape" ./exporter/internal/benchscrape
mapfile -t ports < <("$work/benchscrape" -free-ports 3)

echo ">> starting $BIN on 127.0.0.1:${ports[0]} and $NODE on 127.0.0.1:${ports[1]}" >&2
env $(env | grep -o '^PRESCALE_[A-Z_]*' | sed 's/^/-u /') \
	PRESCALE_EXPORTER_LISTEN="127.0.0.1:${ports[0]}" "$BIN" >"$work/prescale.log" 2>&1 &
pids+=("$!")
"$NODE" --web.listen-address="127.0.0.1:${ports[1]}" >"$work/node.log" 2>&1 &
pids+=("$!")
# A third run: prescale-exporter with every application collector on,
# watching node_exporter as "the application" (its landing page probed, its
# port's connections counted, its process measured).
env $(env | grep -o '^PRESCALE_[A-Z_]*' | sed 's/^/-u /') \
	PRESCALE_EXPORTER_LISTEN="127.0.0.1:${ports[2]}" PRESCALE_APP_URL="http://127.0.0.1:${ports[1]}/" \
	PRESCALE_APP_PORT="${ports[1]}" PRESCALE_APP_PROCESS="$(basename "$(command -v "$NODE")")" \
	"$BIN" >"$work/prescale-app.log" 2>&1 &
pids+=("$!")
prescale_url="http://127.0.0.1:${ports[0]}/metrics"
node_url="http://127.0.0.1:${ports[1]}/metrics"
app_url="http://127.0.0.1:${ports[2]}/metrics"
"$work/benchscrape" -wait "$prescale_url" "$node_url" "$app_url"

# cpu_ticks PID: utime + stime (fields 14 and 15 of /proc/PID/stat, counted
# after the parenthesised command name, which may contain spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo ">> $WARMUP warm-up scrapes each, then $N measured scrapes each" >&2
"$work/benchscrape" -n "$WARMUP" prescale="$prescale_url" node="$node_url" app="$app_url" >/dev/null
p0=$(cpu_ticks "${pids[0]}"); n0=$(cpu_ticks "${pids[1]}"); a0=$(cpu_ticks "${pids[2]}")
"$work/benchscrape" -n "$N" prescale="$prescale_url" node="$node_url" app="$app_url" >"$work/result.tsv"
p1=$(cpu_ticks "${pids[0]}"); n1=$(cpu_ticks "${pids[1]}"); a1=$(cpu_ticks "${pids[2]}")
prss=$(rss_kib "${pids[0]}"); nrss=$(rss_kib "${pids[1]}"); arss=$(rss_kib "${pids[2]}")
hz=$(getconf CLK_TCK)

row() { # name version ticks rss_kib
	awk -F'\t' -v name="$1" -v ver="$2" -v ticks="$3" -v hz="$hz" -v n="$N" -v rss="$4" '$1 == name {
		printf "| %s | %.2f | %.2f | %.2f | %.3f | %.1f | %d | %.1f | %.1f |\n", ver, $3, $4, $5, ticks / hz * 100 / n, rss / 1024, $7, $6 / 1024, $3 * 1000 / $7
	}' "$work/result.tsv"
}
echo ">> go test -bench BenchmarkScrape ./exporter/" >&2
go test -run '^$' -bench '^BenchmarkScrape$' -benchtime 300x -benchmem ./exporter/ | grep '^BenchmarkScrape' >"$work/gobench.txt"
gobench_rows=$(awk '{
	sub(/-[0-9]+$/, "", $1)
	for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
	printf "| `%s` | %.3f | %.3f | %d | %d |\n", $1, v["ns/op"] / 1e6, v["cpu-ns/op"] / 1e6, v["B/op"], v["allocs/op"]
}' "$work/gobench.txt")

pver="prescale-exporter $("$BIN" -version 2>/dev/null | head -1 | sed -n 's/.*version \([^ ]*\).*/\1/p')"
nver="$("$NODE" --version 2>&1 | head -1 | sed 's/ (.*//')"
pmed=$(awk -F'\t' '$1 == "prescale" {print $3}' "$work/result.tsv")
nmed=$(awk -F'\t' '$1 == "node" {print $3}' "$work/result.tsv")
amed=$(awk -F'\t' '$1 == "app" {print $3}' "$work/result.tsv")
pser=$(awk -F'\t' '$1 == "prescale" {print $7}' "$work/result.tsv")
nser=$(awk -F'\t' '$1 == "node" {print $7}' "$work/result.tsv")
prt=$(awk -F'\t' '$1 == "prescale" {print $8}' "$work/result.tsv")
nrt=$(awk -F'\t' '$1 == "node" {print $8}' "$work/result.tsv")
verdict=$(awk -v p="$pmed" -v n="$nmed" 'BEGIN { if (p <= n) printf "met: prescale median %.2f ms <= node_exporter %.2f ms (%.1fx faster)", p, n, n / p; else printf "NOT met: prescale median %.2f ms > node_exporter %.2f ms", p, n }')
averdict=$(awk -v p="$amed" -v n="$nmed" 'BEGIN { if (p <= n) printf "met: %.2f ms <= %.2f ms", p, n; else printf "NOT met: %.2f ms > %.2f ms", p, n }')

cat <<MD
# Exporter benchmark: prescale-exporter vs node_exporter

Generated by \`make bench-exporter\` (\`scripts/bench-exporter.sh\`) on $(date -u +%Y-%m-%d) UTC,
$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), Linux $(uname -r), $(go version | cut -d' ' -f3).
Load average (1/5/15 min) at the start: $load_before. The machine is shared with
other work, so absolute numbers are noisy; both exporters
are measured in the same run, scrapes alternating, so the noise falls on both alike.

Method: the exporters on free loopback ports: prescale in its default configuration
(no \`PRESCALE_APP_*\` set), node_exporter with Debian's default collectors, and a second
prescale with every application collector on, watching node_exporter as its application.
$WARMUP warm-up scrapes each, then $N measured scrapes each with the same Go client
(\`exporter/internal/benchscrape\`: keep-alive, gzip, Prometheus 2.42's Accept header),
timed from request to last body byte. CPU is utime+stime from \`/proc/<pid>/stat\` over
the measured scrapes; RSS is VmRSS after them.

| exporter | median scrape ms | p99 scrape ms | mean ms | CPU s / 100 scrapes | RSS MiB | series | exposition KiB | median µs per series |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
$(row prescale "$pver" $((p1 - p0)) "$prss")
$(row node "$nver" $((n1 - n0)) "$nrss")
$(row app "$pver, every app collector on" $((a1 - a0)) "$arss")

Goal (median full scrape no slower than node_exporter's): **$verdict**; with every
application collector on as well (\`PRESCALE_APP_URL\`, \`PRESCALE_APP_PORT\`, \`PRESCALE_APP_PROCESS\`,
watching node_exporter itself as the application): **$averdict**.

The scrape times compare different amounts of work: in one scrape on this machine
node_exporter publishes **$nser series** against prescale's **$pser** (series: the
sample lines of one exposition, each histogram bucket one, as Prometheus stores them;
of those, $nrt and $prt are the Go runtime's, process's and handler's \`go_*\`,
\`process_*\`, \`promhttp_*\`, so $((nser - nrt)) against $((pser - prt)) from the collectors).
node_exporter has many more collectors; the counts depend on the host's cpus, disks,
file systems and interfaces. Per series the median scrapes cost $(awk -v p="$pmed" -v ps="$pser" -v n="$nmed" -v ns="$nser" 'BEGIN { printf "%.1f µs (prescale) and %.1f µs (node_exporter)", p * 1000 / ps, n * 1000 / ns }')
(last column). prescale's default scrape holds every host metric of the metrics
table plus the Go, process and handler metrics.

## \`BenchmarkScrape\`

One full \`Gather\` of the registry the binary serves (every source, Go and process
collectors), in-process on the real host, 300 iterations:
\`host\` is the default configuration; \`app\` adds the HTTP probe of a local test
server (a new connection per probe), the TCP connection count (netlink sock_diag)
and the app process collector (pid file). CPU ms/op is the test process's user + system
time per scrape (getrusage: every goroutine, the test server answering the probe
included); other work on the machine inflates it far less than the wall-clock ms/op.

| benchmark | ms/op | CPU ms/op | B/op | allocs/op |
|---|---:|---:|---:|---:|
$gobench_rows

The \`app\` case costs more mainly because counting the sockets of one port makes
the kernel walk its whole TCP established hash table, whatever the number of
sockets (262144 buckets on this machine; see \`exporter/internal/sockdiag/sockdiag_linux.go\`).
The app process source reads the pid file and the process's cgroup limit files bounded by
the scrape's deadline in two goroutines per scrape (one for the pid file, one for every
limit file); one goroutine per file cost about 0.12 ms of CPU per scrape (see
\`exporter/internal/app/process.go\`, \`limits\`).
MD
