// Package testkit holds small helpers the tests of several packages share.
// Only tests import it.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/trace"
)

// SyncBuffer is a bytes.Buffer safe for a writer (a logger, a command's
// output) and the test reading it at once. The zero value is ready.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FreeAddr returns a loopback address nothing listens on: its port was free
// a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// DailyTrace is a small deterministic demand trace: a daily sine around 50
// (amplitude 30) with seeded Gaussian noise (σ 3), rounded to 1/1000, n
// samples one step apart ending at end.
func DailyTrace(n int, step time.Duration, end time.Time, seed uint64) ([]int64, []float64) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ts := make([]int64, n)
	vs := make([]float64, n)
	start := end.Add(-time.Duration(n-1) * step)
	for i := range n {
		t := start.Add(time.Duration(i) * step)
		phase := 2 * math.Pi * float64(t.Unix()%86400) / 86400
		ts[i] = t.Unix()
		vs[i] = math.Round((50+30*math.Sin(phase)+3*r.NormFloat64())*1000) / 1000
	}
	return ts, vs
}

// RSSMB is this process's resident set size in MiB (Linux; 0 elsewhere).
func RSSMB() float64 { return procStatusMiB("VmRSS:") }

// PeakRSSMB is this process's peak resident set size (VmHWM) in MiB
// (Linux; 0 elsewhere).
func PeakRSSMB() float64 { return procStatusMiB("VmHWM:") }

// procStatusMiB reads a field of /proc/self/status (in kB) as MiB.
func procStatusMiB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			if kb, err := strconv.ParseFloat(strings.Fields(rest)[0], 64); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// HeapMB is the Go heap in use after a garbage collection, in MiB.
func HeapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

// PostJSON posts body as JSON to url with the bearer token, requires a 200
// answer and returns its body.
func PostJSON(t testing.TB, url, token, body string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	return string(b)
}

// Get sends a GET of url with ctx; the caller closes the body.
func Get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// GetJSON decodes the JSON answer of a GET of url (at most 8 MiB) into v
// and returns the status code.
func GetJSON(ctx context.Context, url string, v any) (int, error) {
	resp, err := Get(ctx, url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(v)
}

// ExitCase is one call of a command's entry point: its arguments and
// environment, the exit code it must return and a text its output must
// contain.
type ExitCase struct {
	Name     string
	Args     []string
	Env      map[string]string
	Code     int
	Contains string
}

// Exit is an ExitCase.
func Exit(name string, args []string, env map[string]string, code int, contains string) ExitCase {
	return ExitCase{Name: name, Args: args, Env: env, Code: code, Contains: contains}
}

// RunExitCases runs every case as a subtest, with PRESCALE_DATA_DIR in a
// fresh directory and PRESCALE_LISTEN on a loopback port besides the case's
// environment.
func RunExitCases(t *testing.T, cases []ExitCase, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Setenv("PRESCALE_DATA_DIR", t.TempDir())
			t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
			for k, v := range tc.Env {
				t.Setenv(k, v)
			}
			var out, errb SyncBuffer
			// A command that starts serving instead of exiting (the
			// refusal a case checks is missing) is stopped, and the case
			// fails on its code, rather than hanging until go test's
			// timeout.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			code := run(ctx, tc.Args, &out, &errb)
			require.NoError(t, ctx.Err(), "still running after a minute; stderr: %s", errb.String())
			require.Equal(t, tc.Code, code, "stderr: %s", errb.String())
			require.Contains(t, out.String()+errb.String(), tc.Contains)
		})
	}
}

// PrometheusConfig is a prometheus.yml (marshalled with yaml.v3) scraping
// every target of job every second; no job without targets.
func PrometheusConfig(t testing.TB, job string, targets ...string) string {
	t.Helper()
	scrapes := []map[string]any{}
	if len(targets) > 0 {
		scrapes = append(scrapes, map[string]any{
			"job_name": job, "scrape_interval": "1s", "scrape_timeout": "1s",
			"static_configs": []map[string]any{{"targets": targets}},
		})
	}
	b, err := yaml.Marshal(map[string]any{
		"global":         map[string]string{"scrape_interval": "1s", "evaluation_interval": "1s"},
		"scrape_configs": scrapes,
	})
	require.NoError(t, err)
	return string(b)
}

// ModuleRoot is the directory holding go.mod, at or above the test's
// working directory (its package directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found above the test directory")
		dir = parent
	}
}

// ReadFile is os.ReadFile failing the test on error.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// ViaJSON is v as encoding/json reads back its text, failing the test when
// either way errs: what a store that held v in JSON gave back. A time's
// monotonic reading and its zone's name go (a time in a zone of offset 0
// comes back in UTC, as encoding/json reads "Z"), unexported fields are
// zero.
func ViaJSON[T any](t testing.TB, v T) T {
	t.Helper()
	js, err := json.Marshal(v)
	require.NoError(t, err)
	var back T
	require.NoError(t, json.Unmarshal(js, &back))
	return back
}

// WriteTrace writes the samples (unix seconds; NaN where missing) as a
// trace file at path, creating its directory, and returns path.
func WriteTrace(t testing.TB, path string, ts []int64, vs []float64) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, trace.Write(f, &trace.Trace{T: ts, V: vs}))
	require.NoError(t, f.Close())
	return path
}

// SamplesPerDay is a day of 5-minute samples, the step of most traces.
const SamplesPerDay = 288

// DailyCycle is n 5-minute samples from start of
// level + amp·sin(2πi/288) + ripple·sin(i·freq) (a daily cycle with a
// deterministic ripple), rounded to three decimals as real traces are
// written.
func DailyCycle(n int, start int64, level, amp, ripple, freq float64) ([]int64, []float64) {
	ts, vs := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i] = start + int64(i)*300
		v := level + amp*math.Sin(2*math.Pi*float64(i)/SamplesPerDay) + ripple*math.Sin(float64(i)*freq)
		vs[i] = math.Round(v*1000) / 1000
	}
	return ts, vs
}

// DailySine is n 5-minute samples of level + amp·sin(2πi/288), each plus
// noise·N(0,1) drawn from r in order (r nil: no noise).
func DailySine(n int, level, amp, noise float64, r *rand.Rand) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = level + amp*math.Sin(2*math.Pi*float64(i)/SamplesPerDay)
		if r != nil {
			v[i] += noise * r.NormFloat64()
		}
	}
	return v
}

// Demand is the label set of the demand series the tests write into a
// store: __name__="demand" and the label pairs kv.
func Demand(kv ...string) labels.Labels {
	return labels.FromStrings(append([]string{model.MetricNameLabel, "demand"}, kv...)...)
}

// FdPipe is /dev/fd/N of the write end of a new pipe, as /dev/stdout is
// in a pipeline: a link whose text ("pipe:[N]") names no file. written
// closes that end and returns what reached the pipe. Skips the test where
// there is no /dev/fd.
func FdPipe(t testing.TB) (path string, written func() []byte) {
	t.Helper()
	if _, err := os.Stat("/dev/fd/0"); err != nil {
		t.Skip("no /dev/fd here")
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close(); _ = w.Close() })
	return "/dev/fd/" + strconv.Itoa(int(w.Fd())), func() []byte {
		require.NoError(t, w.Close())
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		return b
	}
}
