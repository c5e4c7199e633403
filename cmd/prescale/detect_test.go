package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/anomaly"
)

// detectTestTrace writes a small trace with NAB-style timestamps, one
// missing value and a spike, and returns its rows' timestamp texts.
func detectTestTrace(t *testing.T, path string, n int) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	var raw []string
	for i := range n {
		ts := fmt.Sprintf("2014-04-%02d %02d:%02d:00", 1+i/288, (i/12)%24, (i%12)*5)
		raw = append(raw, ts)
		v := strconv.FormatFloat(10+math.Sin(float64(i)/20), 'g', -1, 64)
		switch i {
		case 5:
			v = ""
		case n - 10:
			v = "100.5"
		}
		fmt.Fprintf(&b, "%s,%s\n", ts, v)
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return raw
}

func detectReadOut(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

func TestDetectTrace(t *testing.T) {
	for _, det := range []string{"robust", "zscore"} {
		t.Run(det, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
			raw := detectTestTrace(t, in, 600)
			var stdout, stderr bytes.Buffer
			code := detectCmd(t.Context(), []string{"--trace", in, "--out", out, "--detector", det}, &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			rows := detectReadOut(t, out)
			require.Equal(t, []string{"timestamp", "value", "anomaly_score"}, rows[0])
			require.Len(t, rows, len(raw)+1)
			for i, r := range rows[1:] {
				require.Equal(t, raw[i], r[0], "row %d timestamp echoed", i)
				s, err := strconv.ParseFloat(r[2], 64)
				require.NoError(t, err)
				require.True(t, s >= 0 && s <= 1, "row %d score %v", i, s)
			}
			require.Equal(t, "NaN", rows[1+5][1], "a missing value is written as NaN")
			require.Equal(t, "100.5", rows[len(raw)-10+1][1])
		})
	}
}

// TestDetectTraceToStdout: --out - writes the scores to stdout, as
// prescale forecast --out - does; it wrote a file named "-".
func TestDetectTraceToStdout(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	detectTestTrace(t, in, 50)
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, detectCmd(t.Context(), []string{"--trace", in, "--out", "-"}, &stdout, &stderr), stderr.String())
	rows, err := csv.NewReader(&stdout).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 51)
	require.NoFileExists(t, filepath.Join(dir, "-"))
}

func TestDetectNAB(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "data"), filepath.Join(dir, "results")
	files := []string{"a/one.csv", "a/two.csv", "b/three.csv"}
	for _, f := range files {
		detectTestTrace(t, filepath.Join(in, f), 300)
	}
	require.NoError(t, os.WriteFile(filepath.Join(in, "README.md"), []byte("not data\n"), 0o644))
	var stdout, stderr bytes.Buffer
	code := detectCmd(t.Context(), []string{"--nab", in, "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	for _, f := range files {
		rows := detectReadOut(t, filepath.Join(out, f))
		require.Len(t, rows, 301, f)
		require.Contains(t, stderr.String(), f, "progress names each file")
	}
	_, err := os.Stat(filepath.Join(out, "README.md"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Contains(t, stderr.String(), "prescale detect: scoring with robust and NAB's first-detection rule "+
		"(after a score >= 0.5 the next 100 scores are multiplied by 0): a scoring rule of the benchmark, not of the live loop",
		"--nab names the NAB-only rule it adds")

	// --help names the rule as the run does (it said "are 0", by hand).
	var help bytes.Buffer
	require.Equal(t, 0, detectCmd(t.Context(), []string{"-h"}, &help, &help))
	require.Contains(t, strings.Join(strings.Fields(help.String()), " "),
		"with --nab: NAB's first-detection rule (after a score >= 0.5 the next 100 scores are multiplied by 0), as the run's first line says")

	stderr.Reset()
	code = detectCmd(t.Context(), []string{"--nab", in, "--out", filepath.Join(dir, "live"), "--nab-first-detection=false"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Contains(t, stderr.String(), "prescale detect: scoring with robust as the controller runs it (no NAB rule)")
	require.NotContains(t, stderr.String(), "first-detection")
}

// TestDetectNABInterrupted: SIGTERM (a cancelled context) stops --nab
// with exit 1 and says what was written; it said "context canceled".
func TestDetectNABInterrupted(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "data"), filepath.Join(dir, "results")
	detectTestTrace(t, filepath.Join(in, "a.csv"), 50)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, detectCmd(ctx, []string{"--nab", in, "--out", out}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "prescale detect: interrupted: stopped; the files reported above are whole")
}

func TestDetectBadUsage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	detectTestTrace(t, in, 50)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("time,val\n1,2\n"), 0o644))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, 2, "-bogus"},
		{"unknown detector", []string{"--trace", in, "--out", "x", "--detector", "nope"}, 2, "--detector"},
		{"no input", []string{"--out", "x"}, 2, "--trace and --nab"},
		{"both inputs", []string{"--trace", in, "--nab", dir, "--out", "x"}, 2, "--trace and --nab"},
		{"no out", []string{"--trace", in}, 2, "--out"},
		// Exit 1 without the flag's name, where prescale forecast says "flag --out" and exits 2.
		{"out is a directory", []string{"--trace", in, "--out", dir}, 2, "prescale detect: flag --out: open " + dir + ": is a directory"},
		// Scored without the rule, without a word.
		{"first detection with trace", []string{"--trace", in, "--out", filepath.Join(dir, "o.csv"), "--nab-first-detection"}, 2, "--nab-first-detection goes with --nab (--trace scores with the live detector alone)"},
		{"extra argument", []string{"--trace", in, "--out", "x", "extra"}, 2, `prescale detect: unexpected argument "extra"`},
		{"missing trace", []string{"--trace", filepath.Join(dir, "none.csv"), "--out", filepath.Join(dir, "o.csv")}, 2, "none.csv"},
		{"malformed trace", []string{"--trace", filepath.Join(dir, "bad.csv"), "--out", filepath.Join(dir, "o.csv")}, 2, "--trace"},
		{"missing nab dir", []string{"--nab", filepath.Join(dir, "nodir"), "--out", filepath.Join(dir, "o")}, 2, "--nab"},
		{"nab to stdout", []string{"--nab", dir, "--out", "-"}, 2, "--out with --nab is a directory"},
		{"nab is a file", []string{"--nab", in, "--out", filepath.Join(dir, "o")}, 2, "not a directory"},
		// Bad input, as a malformed --trace; both exited 1.
		{"empty nab dir", []string{"--nab", t.TempDir(), "--out", filepath.Join(dir, "o")}, 2, "--nab: no CSV files under"},
		{"malformed file under nab", []string{"--nab", dir, "--out", filepath.Join(t.TempDir(), "o")}, 2, `--nab: ` + filepath.Join(dir, "bad.csv") + `: bad header "time,val"`},
		// Exit 1 as a write failure, where forecast's --out and backtest's --decisions exit 2 naming the flag.
		{"unwritable out", []string{"--trace", in, "--out", filepath.Join(dir, "nodir", "o.csv")}, 2, "prescale detect: flag --out: open " + filepath.Join(dir, "nodir", "o.csv") + ": no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := detectCmd(t.Context(), tc.args, &stdout, &stderr)
			require.Equal(t, tc.code, code, stderr.String())
			require.Contains(t, stderr.String(), tc.want)
		})
	}
}

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

// TestDetectRunsTheLiveDetector: `prescale detect --trace` without
// --detector writes exactly the scores of the detector the controller
// runs by default (the factory prescale run wires, for
// PRESCALE_ANOMALY_DETECTOR's default, engine.DefaultDetector); `--nab` adds NAB's
// first-detection rule, which a long anomaly shows (every later row of
// the plateau 0), and --nab-first-detection=false takes it off again.
// detect built its own detector (anomaly.NewDetector("robust")), so a
// controller configured otherwise passed unnoticed.
func TestDetectRunsTheLiveDetector(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "data", "series.csv")
	ts, ys := plateauTrace(t, in, 1600)
	live, err := controller.DetectorByName(engine.DefaultDetector)()
	require.NoError(t, err)
	liveScores := want(live, ts, ys)
	fresh, err := controller.DetectorByName(engine.DefaultDetector)()
	require.NoError(t, err)
	nabScores := want(anomaly.NewNABFirstDetection(fresh, anomaly.FirstDetectionConfig{}), ts, ys)
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
