package controller_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestE2EActuatorConcurrencyOne: with PRESCALE_ACTUATOR_CONCURRENCY=1, a
// webhook receiver that holds each call until the test lets it go gets the
// manual scalings of three targets one call at a time. The first call is
// held until all three were handed to the actuator; with the fixed 8
// deliveries at once the other two arrived while it was held.
func TestE2EActuatorConcurrencyOne(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	var (
		mu               sync.Mutex
		inFlight, most   int
		arrived, release = make(chan string), make(chan struct{})
		done             = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m, ok := readMessage(w, req)
		if !ok {
			return
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}()
		select {
		case arrived <- m.Alerts[0].Labels["target"] + "=" + m.Alerts[0].Annotations["desired_units"]:
		case <-done:
			return
		}
		select {
		case <-release:
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // runs first: no call stays held

	var b strings.Builder
	b.WriteString("targets:\n")
	for _, name := range []string{"a", "b", "c"} {
		fmt.Fprintf(&b, "  - name: %s\n    query: 'vector(0.1)'\n", name)
	}
	file := filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))
	cfg := webhookConfig(srv.URL, t.TempDir())
	cfg.TargetsFile, cfg.TargetName, cfg.TargetQuery = file, "default", ""
	cfg.ActuatorConcurrency = 1
	cfg.WebhookTimeout = time.Minute // held calls are not retried
	url, _ := runApp(ctx, t, cfg)

	testkit.Eventually(ctx, t, 30*time.Second, "first cycle", func() error {
		n, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
		if err != nil {
			return err
		}
		if n < 1 {
			return errors.New("no cycle yet")
		}
		return nil
	})
	// Each is handed to the actuator before its answer.
	for _, name := range []string{"a", "b", "c"} {
		testkit.PostJSON(t, url+"/api/scaling/execute", "e2e-token", `{"target":"`+name+`","units":3}`)
	}
	// The first cycle's decisions (1 unit each: a new target's first
	// decision is sent whatever its units) come first, those not yet
	// under way when the manual scalings overtook them never.
	got := map[string]bool{}
	for i := 0; len(got) < 3; i++ {
		require.Less(t, i, 6, "calls for 3 targets, each at most twice (got %v)", got)
		select {
		case call := <-arrived:
			if name, ok := strings.CutSuffix(call, "=3"); ok {
				got[name] = true
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("call %d never arrived (got %v)", i+1, got)
		}
		mu.Lock()
		n := inFlight
		mu.Unlock()
		require.Equal(t, 1, n, "calls in flight at call %d", i+1)
		release <- struct{}{}
	}
	require.Equal(t, map[string]bool{"a": true, "b": true, "c": true}, got)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, most, "most calls in flight at once")
}
