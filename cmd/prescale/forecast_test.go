package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// forecastTestTrace writes n samples of a noisy daily cycle at 5-minute
// steps, with sample 7 missing, and returns the path.
func forecastTestTrace(t *testing.T, n int) string {
	return writeDailyTrace(t, n, 50, 10, 1, 1.3, 7)
}

func TestEvalStart(t *testing.T) {
	for _, tc := range []struct {
		frac string
		n    int
		want int
	}{
		{"0.7", 10320, 7224}, // exact: 7224; float64 0.7*10320 gives 7223.999...
		{"0.7", 4032, 2822},  // 2822.4 floored
		{"0", 100, 0},
		{"1", 100, 100},
		{"0.35", 20, 7},
	} {
		t.Run(tc.frac+"*"+strconv.Itoa(tc.n), func(t *testing.T) {
			r, ok := new(big.Rat).SetString(tc.frac)
			require.True(t, ok)
			require.Equal(t, tc.want, evalStart(r, tc.n))
		})
	}
}

func TestForecastCmd(t *testing.T) {
	const n, H, K = 1200, 3, 5
	path := forecastTestTrace(t, n)
	out := filepath.Join(t.TempDir(), "out.csv")
	var stdout, stderr bytes.Buffer
	code := forecastCmd(t.Context(), []string{"--trace", path, "--horizon", strconv.Itoa(H),
		"--eval-from", "0.7", "--stride", strconv.Itoa(K), "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"origin", "target", "horizon", "yhat", "lo", "hi"}, rows[0])
	// Origins i = 840, 845, ..., with i + 3 < 1200: (1196-840)/5+1 = 72.
	start := n * 7 / 10
	origins := (n - H - 1 - start + K) / K
	require.Equal(t, 72, origins)
	require.Len(t, rows, 1+origins*H)
	for q, row := range rows[1:] {
		i := start + (q/H)*K
		h := q%H + 1
		require.Equal(t, strconv.Itoa(1_400_000_000+i*300), row[0], "row %d origin", q)
		require.Equal(t, strconv.Itoa(1_400_000_000+(i+h)*300), row[1], "row %d target", q)
		require.Equal(t, strconv.Itoa(h), row[2])
		var v [3]float64
		for c := range 3 {
			v[c], err = strconv.ParseFloat(row[3+c], 64)
			require.NoError(t, err, "row %d col %d", q, 3+c)
		}
		require.LessOrEqual(t, v[1], v[0])
		require.LessOrEqual(t, v[0], v[2])
	}
}

func TestForecastCmdBadUsage(t *testing.T) {
	path := forecastTestTrace(t, 50)
	one := testkit.WriteTrace(t, filepath.Join(t.TempDir(), "one.csv"), []int64{1_400_000_000}, []float64{5})
	short := forecastTestTrace(t, 40)
	out := filepath.Join(t.TempDir(), "out.csv")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no trace", []string{"--out", out}, "--trace"},
		{"no out", []string{"--trace", path}, "--out"},
		{"bad horizon", []string{"--trace", path, "--out", out, "--horizon", "0"}, "--horizon"},
		// 1e8 ran for ever (issue 12).
		{"absurd horizon", []string{"--trace", path, "--out", out, "--horizon", "100000000"}, "flag --horizon must be in [1, 10000], got 100000000"},
		{"bad stride", []string{"--trace", path, "--out", out, "--stride", "-1"}, "--stride"},
		{"bad eval-from", []string{"--trace", path, "--out", out, "--eval-from", "1.01"}, "--eval-from"},
		{"eval-from not a number", []string{"--trace", path, "--out", out, "--eval-from", "x"}, "--eval-from"},
		{"bad coverage", []string{"--trace", path, "--out", out, "--coverage", "1"}, "--coverage"},
		{"bad refit", []string{"--trace", path, "--out", out, "--model", "auto", "--refit-every", "0"}, "flag --refit-every must be >= 1, got 0"},
		// Read by nothing: live refits on the controller's schedule.
		{"refit with live", []string{"--trace", path, "--out", out, "--refit-every", "1"}, "flag --refit-every goes with a batch --model (live refits every 24 samples, as in the controller)"},
		{"unknown flag", []string{"--nope"}, "-nope"},
		{"missing trace file", []string{"--trace", path + ".missing", "--out", out}, "--trace"},
		// It wrote the header alone and exited 0.
		{"single-sample trace", []string{"--trace", one, "--out", out}, "flag --trace: " + one + " has a single sample; a forecast needs at least 2"},
		// 40 samples, first origin floor(0.7*40) = 28, 28 + 12 = 40: no
		// origin. It wrote the header alone and exited 0 ("0 origins").
		{"too short for an origin", []string{"--trace", short, "--out", out},
			"flag --trace: " + short + " has 40 samples, no forecast origin at --horizon 12 and --eval-from 0.7; it needs at least 41"},
		// It left no origin in a trace of any length: the header alone, exit 0.
		{"eval-from 1", []string{"--trace", path, "--out", out, "--eval-from", "1"}, `flag --eval-from must be a decimal in [0, 1), got "1"`},
		{"extra argument", []string{"--trace", path, "--out", out, "extra"}, "extra"},
		// It named the temporary file, ".out.tmp-<random>.csv".
		{"out directory missing", []string{"--trace", path, "--out", filepath.Join(filepath.Dir(out), "nodir", "out.csv")},
			"flag --out: create a temporary file beside " + filepath.Join(filepath.Dir(out), "nodir", "out.csv") + ": no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := forecastCmd(t.Context(), tc.args, &stdout, &stderr)
			require.Equal(t, 2, code)
			require.Contains(t, stderr.String(), tc.want)
			require.NoFileExists(t, out)
		})
	}
}

// TestMinOriginSamples: the length minOriginSamples names has an origin
// and one sample fewer has none, at every --eval-from below 1 tried.
func TestMinOriginSamples(t *testing.T) {
	for _, frac := range []string{"0", "0.1", "1/3", "0.5", "0.7", "0.9", "0.99", "0.999"} {
		r, ok := new(big.Rat).SetString(frac)
		require.True(t, ok)
		for h := 1; h <= 40; h++ {
			n := minOriginSamples(r, h)
			require.Less(t, evalStart(r, n)+h, n, "eval-from %s, horizon %d: %d samples", frac, h, n)
			require.GreaterOrEqual(t, evalStart(r, n-1)+h, n-1, "eval-from %s, horizon %d: %d samples", frac, h, n-1)
		}
	}
}

func TestForecastCmdCausal(t *testing.T) {
	// Two traces equal up to sample k and different after it: every row
	// whose origin is at or before sample k must be identical.
	const n, k = 1200, 1000
	orig := forecastTestTrace(t, n)
	data, err := os.ReadFile(orig)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i := k + 1; i < n; i++ {
		ts, _, _ := strings.Cut(lines[1+i], ",")
		lines[1+i] = ts + "," + strconv.Itoa(1000+i) // a different future
	}
	changed := filepath.Join(t.TempDir(), "changed.csv")
	require.NoError(t, os.WriteFile(changed, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	run := func(path string) map[string]string {
		out := filepath.Join(t.TempDir(), "out.csv")
		var stdout, stderr bytes.Buffer
		code := forecastCmd(t.Context(), []string{"--trace", path, "--horizon", "4", "--stride", "3", "--out", out}, &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		rows := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
			f := strings.SplitN(l, ",", 4)
			rows[f[0]+","+f[2]] = l
		}
		return rows
	}
	a, b := run(orig), run(changed)
	require.Len(t, b, len(a))
	limit := 1_400_000_000 + k*300 // timestamp of sample k
	compared := 0
	for key, row := range a {
		origin, _, _ := strings.Cut(key, ",")
		o, err := strconv.Atoi(origin)
		require.NoError(t, err)
		if o <= limit {
			require.Equal(t, row, b[key], "origin %d", o)
			compared++
		}
	}
	require.Positive(t, compared)
}

// writeDailyTrace writes testkit.DailyCycle's samples from 1,400,000,000 with
// sample missing left empty, and returns the path.
func writeDailyTrace(t *testing.T, n int, level, amp, ripple, freq float64, missing int) string {
	t.Helper()
	ts, vs := testkit.DailyCycle(n, 1_400_000_000, level, amp, ripple, freq)
	vs[missing] = math.NaN()
	return testkit.WriteTrace(t, filepath.Join(t.TempDir(), "trace.csv"), ts, vs)
}
