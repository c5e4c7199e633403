package controller_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// vmVersion is the VictoriaMetrics release scripts/ensure-victoriametrics.sh
// builds (TestVMVersionMatchesScript keeps the two equal).
const vmVersion = "v1.151.0"

// vmBinary returns the victoria-metrics binary make test-deps built. It
// fails (with the command to run) when it is missing, and skips only when
// the build recorded that the Go module proxy was unreachable.
func vmBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	if p := os.Getenv("PRESCALE_VICTORIAMETRICS_BIN"); p != "" {
		return p
	}
	root := testkit.ModuleRoot(t)
	dir := filepath.Join(root, ".cache", "victoriametrics", vmVersion)
	bin := filepath.Join(dir, "victoria-metrics")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if why, err := os.ReadFile(filepath.Join(dir, "SKIP")); err == nil {
		t.Skipf("VictoriaMetrics end-to-end test skipped: %s", strings.TrimSpace(string(why)))
	}
	t.Fatalf("victoria-metrics %s not found at %s: run `make test-deps` (scripts/ensure-victoriametrics.sh builds it with go install)", vmVersion, bin)
	return ""
}

func TestVMVersionMatchesScript(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testkit.ModuleRoot(t), "scripts", "ensure-victoriametrics.sh"))
	require.NoError(t, err)
	require.Contains(t, string(b), "VERSION=${VICTORIAMETRICS_VERSION:-"+vmVersion+"}")
}

// vmServer is a real VictoriaMetrics single-node process on loopback.
type vmServer struct {
	t    testing.TB
	addr string
	proc *testkit.Process
}

// startVM starts VictoriaMetrics with a fresh data directory and waits
// (with a deadline) for /health. Points are visible at once
// (-search.latencyOffset=0s) and answers are not cached, as the tests
// import history and query it right away.
func startVM(ctx context.Context, t testing.TB, flags ...string) *vmServer {
	t.Helper()
	bin := vmBinary(t)
	dir := t.TempDir()
	v := &vmServer{t: t, addr: testkit.FreeAddr(t)}
	args := append([]string{
		"-storageDataPath=" + filepath.Join(dir, "data"), "-httpListenAddr=" + v.addr,
		"-retentionPeriod=100y", "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR",
	}, flags...)
	v.proc = testkit.StartProcess(t, "victoria-metrics", exec.Command(bin, args...), filepath.Join(dir, "vm.log"))
	v.proc.WaitHTTP(ctx, t, v.URL()+"/health", 60*time.Second)
	return v
}

func (v *vmServer) URL() string { return "http://" + v.addr }

// vmSeries is one series for /api/v1/import (JSON lines): labels, values
// and timestamps in unix milliseconds.
type vmSeries struct {
	Metric     map[string]string `json:"metric"`
	Values     []float64         `json:"values"`
	Timestamps []int64           `json:"timestamps"`
}

// importSeries posts series to /api/v1/import, then flushes them so that
// they are searchable at once, and waits until the last one answers.
func (v *vmServer) importSeries(ctx context.Context, series []vmSeries) {
	t := v.t
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := json.NewEncoder(w)
	for _, s := range series {
		require.NoError(t, enc.Encode(s))
	}
	require.NoError(t, w.Flush())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.URL()+"/api/v1/import", &buf)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "import: %s", b)
	resp, err = testkit.Get(ctx, v.URL()+"/internal/force_flush")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	last := series[len(series)-1]
	v.waitSeries(ctx, vmSelector(last), last.Timestamps[len(last.Timestamps)-1])
}

// waitSeries polls /api/v1/series (with a deadline) until the series the
// selector names is listed at ms: a flush makes points searchable, but on
// a loaded machine VictoriaMetrics may register a new series' index a
// moment later, and a controller started before that reads no history.
// The series API reads the index only, so a server started with tight
// -search.max* limits answers it too.
func (v *vmServer) waitSeries(ctx context.Context, selector string, ms int64) {
	t := v.t
	t.Helper()
	at := fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
	q := url.Values{"match[]": {selector}, "start": {at}, "end": {at}}
	testkit.Eventually(ctx, t, 30*time.Second, "imported series searchable", func() error {
		resp, err := testkit.Get(ctx, v.URL()+"/api/v1/series?"+q.Encode())
		if err != nil {
			return err
		}
		var body struct {
			Data []map[string]string `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(body.Data) == 0 {
			return fmt.Errorf("series %d: %w, %d series", resp.StatusCode, err, len(body.Data))
		}
		return nil
	})
}

// vmSelector renders a series' labels as a PromQL selector.
func vmSelector(s vmSeries) string {
	var parts []string
	for k, val := range s.Metric {
		if k != "__name__" {
			parts = append(parts, fmt.Sprintf("%s=%q", k, val))
		}
	}
	return s.Metric["__name__"] + "{" + strings.Join(parts, ",") + "}"
}

// traceSeries is testkit.DailyTrace as a VictoriaMetrics import series of
// demand{target=TARGET}.
func traceSeries(target string, n int, step time.Duration, end time.Time, seed uint64) vmSeries {
	ts, vs := testkit.DailyTrace(n, step, end, seed)
	ms := make([]int64, len(ts))
	for i, s := range ts {
		ms[i] = s * 1000
	}
	return vmSeries{Metric: map[string]string{"__name__": "demand", "target": target}, Values: vs, Timestamps: ms}
}
