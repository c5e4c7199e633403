package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prescale/prescale/cmd/prescale/internal/outputs"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/scorecsv"
	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/anomaly"
)

// detectOpts are the flags of `prescale detect`.
type detectOpts struct {
	tracePath, nabDir, out, detName string
	firstDetection                  bool
}

// detectCmd implements "prescale detect": streaming anomaly scores for one
// trace (--trace F --out OUT.csv) or for every CSV file under a directory
// such as NAB's data/ (--nab DIR --out DIR2, same relative paths). --trace
// runs exactly the detector the controller runs (engine.NewDetector, by
// default engine.DefaultDetector, as PRESCALE_ANOMALY_DETECTOR);
// --nab adds NAB's first-detection rule (anomaly.NABFirstDetection with
// its defaults, as anomaly.NewNABDetector) unless
// --nab-first-detection=false.
func detectCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseDetectFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	newDet := func() predictor.Detector {
		d, _ := engine.NewDetector(o.detName) // name checked by parseDetectFlags
		if o.nabDir != "" && o.firstDetection {
			return anomaly.NewNABFirstDetection(d, anomaly.FirstDetectionConfig{})
		}
		return d
	}
	if o.tracePath != "" {
		return detectTraceCmd(o, newDet(), stdout, stderr)
	}
	if fi, err := os.Stat(o.nabDir); err != nil || !fi.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		fmt.Fprintf(stderr, "prescale detect: flag --nab: %v\n", err)
		return 2
	}
	if rule, ok := newDet().(*anomaly.NABFirstDetection); ok {
		fmt.Fprintf(stderr, "prescale detect: scoring with %s and %s: a scoring rule of the benchmark, not of the live loop (--nab-first-detection=false scores the live detector alone)\n", o.detName, rule.Describe())
	} else {
		fmt.Fprintf(stderr, "prescale detect: scoring with %s as the controller runs it (no NAB rule)\n", o.detName)
	}
	progress := func(done, total int, rel string, rows int) {
		fmt.Fprintf(stderr, "prescale detect: [%d/%d] %s: %d rows\n", done, total, rel, rows)
	}
	err := scorecsv.Dir(ctx, o.nabDir, o.out, func() scorecsv.Detector { return newDet() }, progress)
	if err == nil {
		return 0
	}
	// A malformed CSV file, or no CSV file at all, is bad input: exit 2,
	// as a malformed --trace (it exited 1).
	var in *scorecsv.InputError
	bad := errors.As(err, &in) && in.Malformed
	if in != nil {
		err = fmt.Errorf("--nab: %w", err)
	}
	if errors.Is(err, context.Canceled) { // it said "context canceled"
		err = errors.New("interrupted: stopped; the files reported above are whole, the others were not written")
	}
	fmt.Fprintf(stderr, "prescale detect: %v\n", err)
	if bad {
		return 2
	}
	return 1
}

// parseDetectFlags parses and checks the command line; ok false means
// exit with code.
func parseDetectFlags(args []string, stdout, stderr io.Writer) (o detectOpts, code int, ok bool) {
	fset := flag.NewFlagSet("prescale detect", flag.ContinueOnError)
	fset.StringVar(&o.tracePath, "trace", "", "trace CSV (timestamp,value) to score")
	fset.StringVar(&o.nabDir, "nab", "", "directory whose CSV files are all scored (e.g. NAB's data/)")
	fset.StringVar(&o.out, "out", "", "output CSV for --trace (- for stdout), output directory for --nab")
	fset.StringVar(&o.detName, "detector", engine.DefaultDetector,
		"detector: "+strings.Join(anomaly.DetectorNames(), ", "))
	fset.BoolVar(&o.firstDetection, "nab-first-detection", true,
		"with --nab: "+anomaly.NewNABFirstDetection(nil, anomaly.FirstDetectionConfig{}).Describe()+
			", as the run's first line says (NAB credits only the first detection in an anomaly window); false: the live detector unchanged")
	clihelp.SetUsage(fset, "prescale detect (--trace F --out OUT.csv | --nab DIR --out DIR2) [--detector NAME]",
		"Writes timestamp,value,anomaly_score, one row per input row; the score of row i uses rows 0..i only. "+
			"--trace scores with the detector the controller runs (every point of an ongoing anomaly scored on its own); "+
			"--nab adds NAB's first-detection rule, a scoring rule of the benchmark, not of the live loop.",
		detectFlagGroups, nil)
	if code, ok := clihelp.ParseArgs(fset, args, stdout, stderr); !ok {
		return o, code, false
	}
	bad := ""
	fset.Visit(func(f *flag.Flag) {
		if f.Name == "nab-first-detection" && o.tracePath != "" {
			// --trace --nab-first-detection scored without the rule, without a word.
			bad = "--nab-first-detection goes with --nab (--trace scores with the live detector alone)"
		}
	})
	if _, err := anomaly.NewDetector(o.detName); err != nil {
		bad = fmt.Sprintf("--detector: %v", err)
	}
	switch {
	case bad != "":
	case (o.tracePath == "") == (o.nabDir == ""):
		bad = "give exactly one of --trace and --nab"
	case o.out == "":
		bad = "--out is required"
	case o.out == "-" && o.nabDir != "":
		bad = "--out with --nab is a directory, not - (stdout)"
	case o.tracePath != "" && o.out != "-" && outputs.ReplacesInput(o.tracePath, o.out):
		bad = "flag --out names the --trace file: the scores would replace the trace"
	case o.nabDir != "" && outputs.Within(o.out, o.nabDir):
		bad = "flag --out is the --nab directory or lies under it: the scores would replace the traces, or be read as traces by the next run"
	case o.nabDir != "" && !outputs.IsDirOrAbsent(o.out):
		// mkdir failed with exit 1, the flag unnamed.
		bad = fmt.Sprintf("flag --out: %q is not a directory (with --nab, --out is the output directory)", o.out)
	}
	if bad != "" {
		fmt.Fprintln(stderr, "prescale detect: "+bad)
		return o, 2, false
	}
	return o, 0, true
}

// detectTraceCmd scores the trace of --trace into --out (- for stdout).
func detectTraceCmd(o detectOpts, det predictor.Detector, stdout, stderr io.Writer) int {
	// An unreadable or malformed input, or an output that cannot be
	// created, is bad usage (exit 2), as in prescale forecast; a failure
	// to write the output is exit 1.
	tr, err := trace.ReadFileUnordered(o.tracePath)
	if err != nil {
		fmt.Fprintf(stderr, "prescale detect: flag --trace: %v\n", err)
		return 2
	}
	if o.out == "-" { // as prescale forecast --out -; it wrote a file named "-"
		err = scorecsv.Write(stdout, tr, det)
	} else {
		var f *os.File
		if f, err = os.Create(o.out); err != nil {
			// A directory, or one that does not exist: bad usage naming
			// the flag, as prescale forecast's --out (it was exit 1).
			fmt.Fprintf(stderr, "prescale detect: flag --out: %v\n", err)
			return 2
		}
		err = scorecsv.WriteFile(f, tr, det)
	}
	if err != nil {
		fmt.Fprintf(stderr, "prescale detect: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "prescale detect: %s: %d rows scored with %s\n", o.tracePath, tr.Len(), o.detName)
	return 0
}
