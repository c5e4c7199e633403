package forecast

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor"
)

var updateGolden = flag.Bool("fc.update", false, "rewrite the forecasting golden files in testdata")

// readFixture reads a timestamp,value CSV (empty value = NaN) from
// testdata.
func readFixture(t *testing.T, name string) ([]int64, []float64) {
	t.Helper()
	tr, err := trace.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return tr.T, tr.V
}

// TestPredictGolden compares Predict on the generated fixtures (see
// testdata/generate.go) with the recorded output. The golden
// numbers are this implementation's own output, recorded with -fc.update
// after checking them against the fixture by eye (the hourly forecast
// follows the daily cycle; the counter forecast continues the raw counter
// from its last value); the test guards against unintended changes. The
// tolerance allows for floating-point differences between platforms.
func TestPredictGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fixture string
		h       int
		opts    Options
	}{
		{"hourly weekly cycle with gap and spikes", "hourly_3weeks.csv", 6, Options{}},
		{"counter with two resets", "counter_5m.csv", 6, Options{Counter: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, ys := readFixture(t, tc.fixture)
			f, err := Predict(ts, ys, tc.h, tc.opts)
			require.NoError(t, err)
			requireSane(t, f, tc.h)
			var b strings.Builder
			fmt.Fprintf(&b, "model,%s\nconfidence,%.6g\n", f.Model, f.Confidence)
			for k := range f.Mean {
				fmt.Fprintf(&b, "%d,%.6g,%.6g,%.6g\n", k+1, f.Mean[k], f.Lower[k], f.Upper[k])
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(tc.fixture, ".csv")+".golden")
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			wl := strings.Split(strings.TrimSpace(string(want)), "\n")
			gl := strings.Split(strings.TrimSpace(b.String()), "\n")
			require.Len(t, gl, len(wl))
			require.Equal(t, wl[0], gl[0], "picked model")
			for q := 1; q < len(wl); q++ {
				wf, gf := strings.Split(wl[q], ","), strings.Split(gl[q], ",")
				require.Len(t, gf, len(wf))
				for c := 1; c < len(wf); c++ {
					wv, err := strconv.ParseFloat(wf[c], 64)
					require.NoError(t, err)
					gv, err := strconv.ParseFloat(gf[c], 64)
					require.NoError(t, err)
					require.True(t, scalar.EqualWithinAbsOrRel(gv, wv, 1e-9, 1e-4), "line %q: got %v want %v", wl[q], gv, wv)
				}
			}
		})
	}
}

// TestRollingModelEveryName: every name BatchModelNames lists (what
// prescale forecast --model takes) forecasts the three-week hourly fixture
// as that model. The log-scale decomposition called itself "mstllog", so
// --model mstl_log matched no candidate and failed at its first origin
// with "history too short for this model".
func TestRollingModelEveryName(t *testing.T) {
	ts, ys := readFixture(t, "hourly_3weeks.csv")
	origins := []int{len(ys) - 30, len(ys) - 13}
	for _, name := range BatchModelNames() {
		var models []string
		err := RollingModel(ts, ys, origins, 12, name, Options{}, 24, 0.8, func(_ int, f predictor.Forecast) error {
			models = append(models, f.Model)
			return nil
		})
		require.NoError(t, err, name)
		require.Len(t, models, len(origins), name)
		if name != "auto" {
			require.Equal(t, []string{name, name}, models, "a single model forecasts under its own name")
		}
	}
}
