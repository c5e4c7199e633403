package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/anomaly"
)

// plateauTrace writes n rows of noise around 100 at 5-minute steps with a
// 60-row plateau 20 higher from row 1500, and returns the values.
func plateauTrace(t *testing.T, path string, n int) (ts []int64, ys []float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		y := 100 + rng.NormFloat64()
		if i >= 1500 && i < 1560 {
			y += 20
		}
		ts, ys = append(ts, 1_600_000_000+int64(i)*300), append(ys, y)
	}
	testkit.WriteTrace(t, path, ts, ys)
	return ts, ys
}

// detectScores runs prescale detect with args (--trace FILE or --nab
// DIR), its output in the new directory out, and returns the scores of
// the output file for name.
func detectScores(t *testing.T, out, name string, args ...string) []string {
	t.Helper()
	require.NoError(t, os.MkdirAll(out, 0o755))
	dst := out
	if args[0] == "--trace" {
		dst = filepath.Join(out, name)
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, detectCmd(t.Context(), append(args, "--out", dst), &stdout, &stderr), stderr.String())
	var s []string
	for _, r := range detectReadOut(t, filepath.Join(out, name))[1:] {
		s = append(s, r[2])
	}
	return s
}

// want scores ys with d as prescale detect writes them.
func want(d predictor.Detector, ts []int64, ys []float64) []string {
	var s []string
	for i := range ys {
		s = append(s, strconv.FormatFloat(d.Update(ts[i], ys[i]), 'f', 6, 64))
	}
	return s
}

// TestDetectRunsTheLiveDetector: `prescale detect --trace` writes exactly
// the scores of the detector the controller runs (anomaly.NewDetector);
// `--nab` adds NAB's first-detection rule, which a long anomaly shows
// (every later row of the plateau 0), and --nab-first-detection=false
// takes it off again.
func TestDetectRunsTheLiveDetector(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "data", "series.csv")
	ts, ys := plateauTrace(t, in, 1600)
	live, _ := anomaly.NewDetector("robust")
	liveScores := want(live, ts, ys)
	nab, _ := anomaly.NewNABDetector("robust")
	nabScores := want(nab, ts, ys)
	require.NotEqual(t, liveScores, nabScores)
	require.Equal(t, "0.000000", nabScores[1520], "NAB's rule damps the plateau after its first row")
	require.NotEqual(t, "0.000000", liveScores[1520])

	require.Equal(t, liveScores, detectScores(t, filepath.Join(dir, "live"), "series.csv", "--trace", in))
	require.Equal(t, nabScores, detectScores(t, filepath.Join(dir, "nab"), "series.csv", "--nab", filepath.Join(dir, "data")))
	require.Equal(t, liveScores, detectScores(t, filepath.Join(dir, "nab-off"), "series.csv",
		"--nab", filepath.Join(dir, "data"), "--nab-first-detection=false"))
}

// TestDetectCausal: prescale detect scores a prefix of a trace as it
// scores the start of the whole trace, with and without the NAB rule.
func TestDetectCausal(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole", "s.csv")
	plateauTrace(t, whole, 1600)
	b, err := os.ReadFile(whole)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	for _, cut := range []int{1, 700, 1510} {
		prefix := filepath.Join(dir, fmt.Sprintf("p%d", cut), "s.csv")
		require.NoError(t, os.MkdirAll(filepath.Dir(prefix), 0o755))
		require.NoError(t, os.WriteFile(prefix, []byte(strings.Join(lines[:cut+1], "")), 0o644))
		for _, args := range [][]string{{"--trace"}, {"--nab"}} {
			src := func(p string) string {
				if args[0] == "--nab" {
					return filepath.Dir(p)
				}
				return p
			}
			w := detectScores(t, filepath.Join(dir, fmt.Sprintf("out-whole%d%s", cut, args[0])), "s.csv", args[0], src(whole))
			p := detectScores(t, filepath.Join(dir, fmt.Sprintf("out-p%d%s", cut, args[0])), "s.csv", args[0], src(prefix))
			require.Equal(t, w[:cut], p, "%s, first %d rows", args[0], cut)
		}
	}
}
