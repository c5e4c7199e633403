package backtestcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// backtestTestTrace writes n 5-minute samples of a daily cycle with
// samples 9 and 10 missing (NaN; those it has) and returns the path. The store answers
// at 9 with sample 8's value (within its lookback), at 10 with nothing.
func backtestTestTrace(t *testing.T, n int) string {
	t.Helper()
	ts, vs := testkit.DailyCycle(n, 1_400_000_000, 60, 40, 5, 1.7)
	for i := 9; i <= 10 && i < n; i++ {
		vs[i] = math.NaN()
	}
	return testkit.WriteTrace(t, filepath.Join(t.TempDir(), "trace.csv"), ts, vs)
}

func TestBacktestCmd(t *testing.T) {
	tr := backtestTestTrace(t, 3*288)
	dir := t.TempDir()
	out, plot := filepath.Join(dir, "d.csv"), filepath.Join(dir, "p.svg")
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--trace", tr, "--capacity", "10", "--lag", "300s",
		"--min", "1", "--max", "100", "--decisions", out, "--plot", plot, "--eval-from", "0.7"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Equal(t, "timestamp,desired", lines[0])
	require.Len(t, lines, 3*288+1, "one decision per trace timestamp")
	require.Equal(t, "1400000000", strings.Split(lines[1], ",")[0])
	for _, want := range []string{"prescale", "(equal cost)", "oracle", "violation ratio vs HPA at equal cost",
		"scale events: prescale", "no_data 1"} {
		require.Contains(t, stdout.String(), want)
	}
	svg, err := os.ReadFile(plot)
	require.NoError(t, err)
	for _, want := range []string{"equal cost", "scored", "events"} {
		require.Contains(t, string(svg), want, "the plot names the HPA at equal cost, the scored region and the scale events")
	}
}

// TestBacktestCmdRobustness: --robustness prints, beside the summary,
// issue 11's three robustness scenarios for the trace (lag twice and half
// the configured one, units 2.5x finer), each with its violation ratio
// and scale events at equal cost; the decisions file is the same as
// without it. Only autoscale_eval.py's tables had them.
func TestBacktestCmdRobustness(t *testing.T) {
	tr := backtestTestTrace(t, 3*288)
	dir := t.TempDir()
	var outs [2]string
	for i, extra := range [][]string{nil, {"--robustness"}} {
		d := filepath.Join(dir, fmt.Sprintf("d%d.csv", i))
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), append([]string{"--trace", tr, "--capacity", "10", "--lag", "300s",
			"--decisions", d, "--eval-from", "0.7"}, extra...), &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		b, err := os.ReadFile(d)
		require.NoError(t, err)
		outs[i] = string(b)
		if i == 0 {
			require.NotContains(t, stdout.String(), "robustness")
			continue
		}
		for _, want := range []string{"lag 10m0s (2x the configured 5m0s): violation ratio vs HPA at equal cost ",
			"lag 2m30s (0.5x the configured 5m0s): violation ratio vs HPA at equal cost ",
			"capacity 4 per unit (units 2.5x finer, a re-run): violation ratio vs HPA at equal cost "} {
			require.Contains(t, stdout.String(), want)
		}
		require.Equal(t, 4, strings.Count(stdout.String(), "scale events: prescale "), "the summary's and each scenario's")
	}
	require.Equal(t, outs[0], outs[1], "the decisions do not depend on --robustness")
}

// TestBacktestCmdExplain: --explain writes, for every sample, the
// decision with what it was made from; the decisions file is the same as
// without it.
func TestBacktestCmdExplain(t *testing.T) {
	tr := backtestTestTrace(t, 3*288)
	dir := t.TempDir()
	run := func(extra ...string) string {
		out := filepath.Join(dir, fmt.Sprintf("d%d.csv", len(extra)))
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), append([]string{"--trace", tr, "--capacity", "10",
			"--decisions", out, "--eval-from", "0.7"}, extra...), &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		return string(b)
	}
	explain := filepath.Join(dir, "e.csv")
	require.Equal(t, run(), run("--explain", explain))
	b, err := os.ReadFile(explain)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 3*288+1, "one row per trace timestamp")
	require.True(t, strings.HasPrefix(lines[0], "timestamp,demand,current,desired,ready,reason,rule,"), lines[0])
	require.True(t, strings.HasSuffix(lines[0], ",hpa_ready,hpa_requested"), lines[0])
	require.NotContains(t, lines[10], ",no_data,", "sample 9 is carried from 8")
	require.Contains(t, lines[11], ",no_data,no_data,", "sample 10 is missing")
	require.Equal(t, strings.Count(lines[0], ","), strings.Count(lines[500], ","))
}

// promSine is a Prometheus query_range API answering sum(rate(x[1m]))
// with a sine every minute from first(start, end) to end, but at the
// minute hole(end) (0: none); with a tenant, only requests carrying it as
// X-Scope-OrgID (as Mimir does).
func promSine(t *testing.T, tenant string, first, hole func(start, end int64) int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") != tenant {
			http.Error(w, "no org id", http.StatusUnauthorized)
			return
		}
		// No require in a handler: a bad request gets a 400 the client reports.
		if err := r.ParseForm(); err != nil || r.Form.Get("query") != "sum(rate(x[1m]))" {
			http.Error(w, fmt.Sprintf("bad request: %v, query %q", err, r.Form.Get("query")), http.StatusBadRequest)
			return
		}
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		var values [][2]any
		for ts := first(int64(start), int64(end)); ts <= int64(end); ts += 60 {
			if ts == hole(int64(start), int64(end)) {
				continue
			}
			values = append(values, [2]any{ts, strconv.FormatFloat(50+20*math.Sin(float64(ts)/3600), 'f', 3, 64)})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{
			"resultType": "matrix", "result": []any{map[string]any{"metric": map[string]string{}, "values": values}}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBacktestCmdPrometheus replays a range of a Prometheus query. A
// --range reaching back before the series existed (the default 14d on a
// server with two hours of data) replays from the first sample, and the
// summary says how many samples were left out; they were replayed as
// 20,000 empty samples: a summary of hours of "no_data" decisions and no
// ratio. A minute the server has no sample for is its answer after its
// own lookback: decided without data, not carried from the minute before
// as a trace file's NaN row is.
func TestBacktestCmdPrometheus(t *testing.T) {
	whole := func(start, _ int64) int64 { return start }
	noHole := func(_, _ int64) int64 { return 0 }
	for _, tc := range []struct {
		name        string
		first, hole func(start, end int64) int64
		rows        int // header included
		says, not   string
		tenant      string
	}{
		// [now-1d, now] at 1 m, both ends included: 1,441 points.
		{"whole range", whole, noHole, 1 + 1441, "", "left out", ""},
		{"young series", func(_, end int64) int64 { return end - 2*3600 }, noHole, 1 + 121,
			"the 1320 samples before it, without data, left out", "no_data", ""},
		// A multi-tenant engine (Mimir) could not be replayed: no header.
		{"tenant header", whole, noHole, 1 + 1441, "", "tenant-s3cret", "tenant-s3cret"},
		{"missing minute", whole, func(_, end int64) int64 { return end - 3600 }, 1 + 1441, "no_data 1", "left out", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := promSine(t, tc.tenant, tc.first, tc.hole)
			out := filepath.Join(t.TempDir(), "d.csv")
			var stdout, stderr bytes.Buffer
			args := []string{"--prometheus", srv.URL, "--query", "sum(rate(x[1m]))",
				"--range", "1d", "--step", "1m", "--capacity", "10", "--decisions", out}
			if tc.tenant != "" {
				args = append(args, "--header", "X-Scope-OrgID="+tc.tenant)
			}
			code := Run(t.Context(), args, &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, tc.rows, strings.Count(string(b), "\n"))
			require.Contains(t, stdout.String(), srv.URL)
			require.Contains(t, stdout.String(), tc.says)
			require.NotContains(t, stdout.String(), tc.not)
		})
	}
}

// TestBacktestCmdPrometheusQueryAtFault: a --query the server answers with
// several series is bad input (exit 2 naming --query, and how to mend
// it); it was exit 1, as an unreachable server is.
func TestBacktestCmdPrometheusQueryAtFault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		series := func(pod string) any {
			return map[string]any{"metric": map[string]string{"pod": pod}, "values": [][2]any{{1_700_000_000, "1"}}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{
			"resultType": "matrix", "result": []any{series("a"), series("b")}}})
	}))
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--prometheus", srv.URL, "--query", "rate(x[1m])",
		"--range", "1d", "--capacity", "10", "--decisions", filepath.Join(t.TempDir(), "d.csv")}, &stdout, &stderr)
	require.Equal(t, 2, code, stderr.String())
	require.Contains(t, stderr.String(), "prescale backtest: --query: history: query returned more than one series; aggregate it (e.g. sum(...))")
}

// TestBacktestCmdPrometheusQueryMatchesNothing: a --query that matches
// no series (a misspelt metric) is bad input too, named as --query. It
// was exit 1 naming --prometheus, as an unreachable server.
func TestBacktestCmdPrometheusQueryMatchesNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": []any{}}})
	}))
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--prometheus", srv.URL, "--query", "http_request_total",
		"--range", "1d", "--capacity", "10", "--decisions", filepath.Join(t.TempDir(), "d.csv")}, &stdout, &stderr)
	require.Equal(t, 2, code, stderr.String())
	require.Contains(t, stderr.String(), "prescale backtest: --query: history: query returned no data in the range: no series matches it (a misspelt metric or label?)")
}

// TestBacktestCmdPrometheusSeriesTooYoung: a series whose only sample in
// --range is the last one (a Prometheus started a minute ago, the default
// 14d range) is bad input named as --query, exit 2, as a --trace of one
// sample is. It failed after the query with "trace: need at least 2
// samples, got 1", exit 1, naming a trace the command was not given. So
// is a series whose only sample is an hour into --range (a target
// scraped once, then removed): it replayed the day of empty samples
// after it (exit 0, reasons no_data 1380).
func TestBacktestCmdPrometheusSeriesTooYoung(t *testing.T) {
	for _, c := range []struct {
		name, value, says string
		at                func(start, end int64) int64
	}{
		{"the last", "5", "only 1 sample with data in --range 1d (at ", func(_, end int64) int64 { return end }},
		{"an hour into range", "5", "only 1 sample with data in --range 1d (at ", func(start, _ int64) int64 { return start + 3600 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var at atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
				end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
				at.Store(c.at(int64(start), int64(end)))
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix",
					"result": []any{map[string]any{"metric": map[string]string{}, "values": [][2]any{{at.Load(), c.value}}}}}})
			}))
			t.Cleanup(srv.Close)
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), []string{"--prometheus", srv.URL, "--query", "sum(rate(x[1m]))",
				"--range", "1d", "--capacity", "10", "--decisions", filepath.Join(t.TempDir(), "d.csv")}, &stdout, &stderr)
			require.Equal(t, 2, code, stderr.String())
			require.Contains(t, stderr.String(), "prescale backtest: --query: "+c.says+time.Unix(at.Load(), 0).UTC().Format(time.RFC3339)+")", "the sample's time")
			require.NotContains(t, stderr.String(), "trace")
		})
	}
}

// TestBacktestCmdPrometheusTimeoutNamesItsFlag: a store that does not
// answer within --timeout fails naming --timeout, the only setting of
// prescale backtest that bounds its queries. It said "context deadline
// exceeded" alone, and a single query_range call was also cut at the
// controller's default query timeout (30 s) whatever --timeout said, with
// a message (3fae352) naming PRESCALE_QUERY_TIMEOUT and
// PRESCALE_HISTORY_WINDOW, which prescale backtest does not read.
func TestBacktestCmdPrometheusTimeoutNamesItsFlag(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select { // no answer until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--prometheus", srv.URL, "--query", "rate(x[1m])", "--range", "1d",
		"--timeout", "200ms", "--capacity", "10", "--decisions", filepath.Join(t.TempDir(), "d.csv")}, &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())
	require.Contains(t, stderr.String(), "prescale backtest: --prometheus: no answer within --timeout 200ms: ")
	require.NotContains(t, stderr.String(), "PRESCALE_")
}

func TestBacktestCmdBadUsage(t *testing.T) {
	tr := backtestTestTrace(t, 10)
	out := filepath.Join(t.TempDir(), "d.csv")
	one := testkit.WriteTrace(t, filepath.Join(t.TempDir(), "one.csv"), []int64{1_400_000_000}, []float64{5})
	plotDir := filepath.Join(t.TempDir(), "p.svg")
	require.NoError(t, os.Mkdir(plotDir, 0o750))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no source", []string{"--capacity", "1", "--decisions", out}, "exactly one of --trace and --prometheus"},
		{"extra argument", []string{"--trace", tr, "--capacity", "1", "--decisions", out, "extra"}, `prescale backtest: unexpected argument "extra"`},
		{"both sources", []string{"--trace", tr, "--prometheus", "http://x", "--query", "up", "--capacity", "1", "--decisions", out}, "exactly one of"},
		{"header without value", []string{"--prometheus", "http://x", "--query", "up", "--header", "X-Scope-OrgID", "--capacity", "1", "--decisions", out}, "--header: entry 1: want NAME=VALUE"},
		// The whole trace was replayed, then exit 1.
		{"decisions is a directory", []string{"--trace", tr, "--capacity", "1", "--decisions", filepath.Dir(out)}, "--decisions: " + strconv.Quote(filepath.Dir(out)) + " is a directory"},
		{"header without prometheus", []string{"--trace", tr, "--header", "A=b", "--capacity", "1", "--decisions", out}, "--header goes with --prometheus"},
		// The file was replayed without a word: the query was read by nothing.
		{"query without prometheus", []string{"--trace", tr, "--query", "sum(up)", "--capacity", "1", "--decisions", out}, "--query goes with --prometheus (--trace replays the file)"},
		{"step without prometheus", []string{"--trace", tr, "--step", "5m", "--capacity", "1", "--decisions", out}, "--step goes with --prometheus"},
		{"plot-last under two steps", []string{"--trace", tr, "--capacity", "1", "--decisions", out, "--plot", out + ".svg", "--plot-last", "1m"}, "--plot-last 1m0s holds fewer than 2 samples of the trace's 5m0s step"},
		{"plot is a directory", []string{"--trace", tr, "--capacity", "1", "--decisions", out, "--plot", plotDir}, "--plot: " + strconv.Quote(plotDir) + " is a directory"},
		{"decisions to stdout", []string{"--trace", tr, "--capacity", "1", "--decisions", "-"}, "--decisions must name a file"},
		{"no query", []string{"--prometheus", "http://x", "--capacity", "1", "--decisions", out}, "--query is required"},
		// Queried .../api/v1/api/v1/query_range: 404, exit 1.
		{"prometheus names the query API", []string{"--prometheus", "http://127.0.0.1:1/api/v1", "--query", "up", "--capacity", "1", "--decisions", out},
			"--prometheus: http://127.0.0.1:1/api/v1 names the query API itself: give its base URL, the part before /api/v1 (http://127.0.0.1:1)"},
		{"prometheus names an endpoint", []string{"--prometheus", "http://127.0.0.1:1/prom/api/v1/query_range/", "--query", "up", "--capacity", "1", "--decisions", out},
			"give its base URL, the part before /api/v1 (http://127.0.0.1:1/prom)"},
		// It queried host "SE" and printed "REDACTED@SE#CRET@127.0.0.1:1/prom", exit 1.
		{"prometheus password cut short", []string{"--prometheus", "http://u:p@SE#CRET@127.0.0.1:1/prom", "--query", "up", "--capacity", "1", "--decisions", out},
			`--prometheus: "http://REDACTED@127.0.0.1:1/REDACTED" holds an '@' or a '#' after its host`},
		// Queried: exit 1 on "unsupported protocol scheme", or "no Host in request URL".
		{"prometheus not http", []string{"--prometheus", "ftp://u:SECRET@127.0.0.1:1", "--query", "up", "--capacity", "1", "--decisions", out},
			`--prometheus: must be an http or https URL, got "ftp://REDACTED@127.0.0.1:1"`},
		{"prometheus without host", []string{"--prometheus", "http:///prom", "--query", "up", "--capacity", "1", "--decisions", out},
			`--prometheus: must name a host, got "http:///prom"`},
		{"prometheus not a URL", []string{"--prometheus", "http://u:SECRET@[::1", "--query", "up", "--capacity", "1", "--decisions", out},
			`--prometheus: not a URL: parse http://REDACTED@[::1: missing ']' in host`},
		{"no decisions", []string{"--trace", tr, "--capacity", "1"}, "--decisions is required"},
		{"capacity", []string{"--trace", tr, "--capacity", "0", "--decisions", out}, "--capacity must be"},
		{"min above max", []string{"--trace", tr, "--capacity", "1", "--min", "5", "--max", "2", "--decisions", out}, "--min: min_units must not exceed max_units (2), got 5"},
		// 1e-19 made demand/capacity overflow int and the simulator loop for ever.
		{"absurd capacity", []string{"--trace", tr, "--capacity", "1e-8", "--decisions", out}, "--capacity 1e-08: the trace's peak demand"},
		// Outside [1e-9, 1e15] whatever the trace: a unit mix-up.
		{"capacity below bound", []string{"--trace", tr, "--capacity", "1e-19", "--decisions", out}, "--capacity: capacity_per_unit must be in [1e-09, 1e+15] (the demand one unit serves, in the query's unit: outside is a unit mix-up), got 1e-19"},
		{"capacity above bound", []string{"--trace", tr, "--capacity", "1e300", "--decisions", out}, "--capacity: capacity_per_unit must be in [1e-09, 1e+15]"},
		// A lag of months asked every decision for a forecast that long.
		{"absurd lag", []string{"--trace", tr, "--capacity", "1", "--lag", "1000000h", "--decisions", out}, "--lag: provisioning lag 1000000h0m0s needs 12000000 forecast steps of 5m0s, more than 2016"},
		{"fractional step", []string{"--prometheus", "http://x", "--query", "up", "--step", "1500ms", "--capacity", "1", "--decisions", out}, "--step must be whole seconds of at least 1s, got 1.5s"},
		{"absurd step", []string{"--prometheus", "http://x", "--query", "up", "--range", "14d", "--step", "1ms", "--capacity", "1", "--decisions", out}, "--step must be whole seconds of at least 1s, got 1ms"},
		{"absurd range", []string{"--prometheus", "http://x", "--query", "up", "--range", "100000d", "--step", "1m", "--capacity", "1", "--decisions", out}, "--range 100000d at --step 1m0s is 144000000 points, more than 5000000"},
		{"absurd max", []string{"--trace", tr, "--capacity", "1", "--max", "1000000000", "--decisions", out}, "--max: max_units must be in [1, 1000000]"},
		{"risk", []string{"--trace", tr, "--capacity", "1", "--risk", "2", "--decisions", out}, "risk_per_unit"},
		{"floor", []string{"--trace", tr, "--capacity", "1", "--floor", "soft", "--decisions", out}, "floor_mode"},
		{"tolerance", []string{"--trace", tr, "--capacity", "1", "--tolerance", "1", "--decisions", out}, "tolerance must be in [0, 1)"},
		{"cooldown", []string{"--trace", tr, "--capacity", "1", "--scale-down-cooldown", "-1s", "--decisions", out}, "scale_down_cooldown must be >= 0"},
		{"hpa targets", []string{"--trace", tr, "--capacity", "1", "--hpa-targets", "0.5,x", "--decisions", out}, "--hpa-targets"},
		// 2 (200 %) was taken: every unit run at twice what it serves.
		{"hpa target above 1", []string{"--trace", tr, "--capacity", "1", "--hpa-targets", "0.5,2", "--decisions", out},
			`--hpa-targets: "2" is not a utilisation target in [0.001, 1] (1 is a unit at its capacity, as --utilization)`},
		// 1e-300 ran, then exit 1: its equal-cost target rounded to 0.
		{"hpa target tiny", []string{"--trace", tr, "--capacity", "1", "--hpa-targets", "1e-300", "--decisions", out}, `--hpa-targets: "1e-300" is not a utilisation target in [0.001, 1]`},
		// Taken as no overall timeout, as 0 is.
		{"negative timeout", []string{"--prometheus", "http://127.0.0.1:1", "--query", "up", "--timeout", "-1s", "--capacity", "1", "--decisions", out}, "--timeout must be >= 0 (0: none overall), got -1s"},
		{"eval-from", []string{"--trace", tr, "--capacity", "1", "--eval-from", "1.5", "--decisions", out}, "--eval-from"},
		{"range", []string{"--prometheus", "http://x", "--query", "up", "--range", "-3d", "--capacity", "1", "--decisions", out}, "--range"},
		{"unknown flag", []string{"--bogus"}, "flag provided but not defined: --bogus"},
		// The flag package said only "parse error".
		{"lag without unit", []string{"--trace", tr, "--capacity", "1", "--lag", "300", "--decisions", out}, `invalid value "300" for flag --lag: want a duration such as 30s, 5m, 1h30m or 14d (a unit is required: 300s or 300m)`},
		{"bad timeout", []string{"--trace", tr, "--capacity", "1", "--timeout", "5x", "--decisions", out}, `invalid value "5x" for flag --timeout: want a duration such as 30s, 5m, 1h30m or 14d`},
		{"capacity with a unit", []string{"--trace", tr, "--capacity", "50rps", "--decisions", out}, `invalid value "50rps" for flag --capacity: want a number, such as 50, 0.7 or 1e-3`},
		{"max in words", []string{"--trace", tr, "--capacity", "1", "--max", "ten", "--decisions", out}, `invalid value "ten" for flag --max: want a whole number in decimal`},
		{"hold maybe", []string{"--trace", tr, "--capacity", "1", "--hold=maybe", "--decisions", out}, `invalid boolean value "maybe" for --hold: want true or false`},
		// The server's parse error came back as a runtime failure (exit 1),
		// after the query was sent.
		{"query does not parse", []string{"--prometheus", "http://127.0.0.1:1", "--query", "sum(", "--capacity", "1", "--decisions", out}, `--query: invalid PromQL "sum("`},
		{"query returns a matrix", []string{"--prometheus", "http://127.0.0.1:1", "--query", "up[5m]", "--capacity", "1", "--decisions", out}, `--query: PromQL "up[5m]" returns a matrix`},
		// It failed in the engine, exit 1.
		{"single-sample trace", []string{"--trace", one, "--capacity", "1", "--decisions", out}, "has a single sample; a backtest needs at least 2"},
		{"detector", []string{"--trace", tr, "--capacity", "1", "--detector", "magic", "--decisions", out}, "--detector"},
		{"anomaly threshold", []string{"--trace", tr, "--capacity", "1", "--anomaly-threshold", "0", "--decisions", out}, "--anomaly-threshold"},
		{"plot format", []string{"--trace", tr, "--capacity", "1", "--plot", "p.gif", "--decisions", out}, `--plot: "p.gif": the file name must end in .svg, .png or .pdf`},
		{"plot dir", []string{"--trace", tr, "--capacity", "1", "--plot", filepath.Join(out, "nodir", "p.svg"), "--decisions", out}, "--plot: directory"},
		{"plot-last alone", []string{"--trace", tr, "--capacity", "1", "--plot-last", "2h", "--decisions", out}, "--plot-last needs --plot"},
		{"decisions dir", []string{"--trace", tr, "--capacity", "1", "--decisions", filepath.Join(out, "nodir", "d.csv")}, "--decisions: directory"},
		{"explain to stdout", []string{"--trace", tr, "--capacity", "1", "--decisions", out, "--explain", "-"}, "--explain must name a file"},
		{"explain over decisions", []string{"--trace", tr, "--capacity", "1", "--decisions", out, "--explain", out}, "--explain and --decisions must name different files"},
		{"explain dir", []string{"--trace", tr, "--capacity", "1", "--decisions", out, "--explain", filepath.Join(out, "nodir", "e.csv")}, "--explain: directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), c.args, &stdout, &stderr)
			require.Equal(t, 2, code)
			require.Contains(t, stderr.String(), c.want)
		})
	}
}

func TestBacktestParseRange(t *testing.T) {
	for in, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "1.5d": 36 * time.Hour,
		// Prometheus' syntax: both were refused.
		"1d12h": 36 * time.Hour, "1y": 365 * 24 * time.Hour, "90m": 90 * time.Minute} {
		got, err := backtestParseRange(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	// Found by FuzzBacktestFlags: a range beyond int64 nanoseconds was a
	// negative one, a range under 1ns was 0, both without an error.
	for _, in := range []string{"1e10w", "Infd", "1e300d", "1e-15d", "0x1p-60w", "0", "-1d", "300y"} {
		_, err := backtestParseRange(in)
		require.ErrorContains(t, err, `"`+in+`" is not a positive duration of at most 2562047h47m16.854775807s`, in)
	}
}

// TestBacktestUsageWindowFlag: --usage-window replays a live target's
// PRESCALE_TARGET_USAGE_WINDOW; left out, the window is the --lag (the
// controller's default, lag); the summary prints the window in effect and
// a negative one is refused naming the flag.
func TestBacktestUsageWindowFlag(t *testing.T) {
	tr := backtestTestTrace(t, 2*288)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, "usage window 10m0s,"},
		{[]string{"--usage-window", "5m"}, "usage window 5m0s,"},
		{[]string{"--usage-window", "0s"}, "usage window 0s,"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--trace", tr, "--capacity", "10", "--lag", "600s", "--quiet",
			"--decisions", filepath.Join(t.TempDir(), "d.csv")}, tc.flags...)
		require.Equal(t, 0, Run(t.Context(), args, &stdout, &stderr), stderr.String())
		require.Contains(t, stdout.String(), tc.want, "%v", tc.flags)
	}
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--trace", tr, "--capacity", "10", "--usage-window", "-1m",
		"--decisions", filepath.Join(t.TempDir(), "d.csv")}, &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "--usage-window: usage_window must be >= 0, got -1m0s")
}
