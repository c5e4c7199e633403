package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/anomaly"
)

// detectWorkers is the number of NAB files scored at once.
const detectWorkers = 2

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
	o, code, ok := parseDetectFlags(args, stderr)
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
	if err := detectDir(ctx, o.nabDir, o.out, newDet, stderr); err != nil {
		if errors.Is(err, context.Canceled) { // it said "context canceled"
			err = errors.New("interrupted: stopped; the files reported above are whole, the others were not written")
		}
		fmt.Fprintf(stderr, "prescale detect: %v\n", err)
		if errors.As(err, new(badInput)) {
			return 2 // as a malformed --trace: bad input, not a failure
		}
		return 1
	}
	return 0
}

// badInput is an error of detectDir's input (a malformed CSV file, no CSV
// file at all): exit 2, as a malformed --trace. It exited 1.
type badInput struct{ error }

func (e badInput) Unwrap() error { return e.error }

// parseDetectFlags parses and checks the command line; ok false means
// exit with code.
func parseDetectFlags(args []string, stderr io.Writer) (o detectOpts, code int, ok bool) {
	fset := flag.NewFlagSet("prescale detect", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&o.tracePath, "trace", "", "trace CSV (timestamp,value) to score")
	fset.StringVar(&o.nabDir, "nab", "", "directory whose CSV files are all scored (e.g. NAB's data/)")
	fset.StringVar(&o.out, "out", "", "output CSV for --trace (- for stdout), output directory for --nab")
	fset.StringVar(&o.detName, "detector", engine.DefaultDetector,
		"detector: "+strings.Join(anomaly.DetectorNames(), ", "))
	fset.BoolVar(&o.firstDetection, "nab-first-detection", true,
		"with --nab: NAB's first-detection rule: after a score >= 0.5 the next 100 scores are 0 (NAB credits only the first detection in an anomaly window); false: the live detector unchanged")
	setUsage(fset, stderr, "prescale detect (--trace F --out OUT.csv | --nab DIR --out DIR2) [--detector NAME]",
		"Writes timestamp,value,anomaly_score, one row per input row; the score of row i uses rows 0..i only. "+
			"--trace scores with the detector the controller runs (every point of an ongoing anomaly scored on its own); "+
			"--nab adds NAB's first-detection rule, a scoring rule of the benchmark, not of the live loop.",
		detectFlagGroups, nil)
	if code, ok := parseArgs(fset, args, stderr); !ok {
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
		err = detectWrite(stdout, tr, det)
	} else {
		var f *os.File
		if f, err = os.Create(o.out); err != nil {
			// A directory, or one that does not exist: bad usage naming
			// the flag, as prescale forecast's --out (it was exit 1).
			fmt.Fprintf(stderr, "prescale detect: flag --out: %v\n", err)
			return 2
		}
		err = detectWriteFile(f, tr, det)
	}
	if err != nil {
		fmt.Fprintf(stderr, "prescale detect: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "prescale detect: %s: %d rows scored with %s\n", o.tracePath, tr.Len(), o.detName)
	return 0
}

// detectDir scores every .csv file under dir (README and other files are
// skipped) into the same relative path under outDir, detectWorkers files
// at a time, reporting progress to progress.
func detectDir(ctx context.Context, dir, outDir string, newDet func() predictor.Detector, progress io.Writer) error {
	rels, err := nabFiles(dir)
	if err != nil {
		return err
	}
	jobs := make(chan string)
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range detectWorkers {
		wg.Go(func() {
			for rel := range jobs {
				dst := filepath.Join(outDir, rel)
				err := os.MkdirAll(filepath.Dir(dst), 0o755)
				n := 0
				if err == nil {
					n, err = detectFile(filepath.Join(dir, rel), dst, newDet())
				}
				mu.Lock()
				done++
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					fmt.Fprintf(progress, "prescale detect: [%d/%d] %s: %d rows\n", done, len(rels), rel, n)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, rel := range rels {
		select {
		case jobs <- rel:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// nabFiles returns the paths, relative to dir and sorted, of the CSV
// files under dir (--nab): an error for none.
func nabFiles(dir string) ([]string, error) {
	var rels []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(path), ".csv") {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			rels = append(rels, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("--nab: %w", err)
	}
	if len(rels) == 0 {
		return nil, badInput{fmt.Errorf("--nab: no CSV files under %s", dir)}
	}
	slices.Sort(rels)
	return rels, nil
}

// detectFile scores the trace at src with det, in row order, and writes
// timestamp,value,anomaly_score to dst. It returns the number of rows.
func detectFile(src, dst string, det predictor.Detector) (int, error) {
	tr, err := trace.ReadFileUnordered(src)
	if err != nil {
		return 0, badInput{fmt.Errorf("--nab: %w", err)}
	}
	f, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	if err := detectWriteFile(f, tr, det); err != nil {
		return 0, err
	}
	return tr.Len(), nil
}

// detectWriteFile scores tr with det into f and closes it.
func detectWriteFile(f *os.File, tr *trace.Trace, det predictor.Detector) error {
	if err := detectWrite(f, tr, det); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	return f.Close()
}

// detectWrite streams tr through det and writes one CSV row per sample, the
// timestamp echoed as written in the input.
func detectWrite(w io.Writer, tr *trace.Trace, det predictor.Detector) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("timestamp,value,anomaly_score\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 64)
	for i := range tr.Len() {
		s := det.Update(tr.T[i], tr.V[i])
		buf = buf[:0]
		buf = append(buf, tr.Raw[i]...)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, tr.V[i], 'f', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, s, 'f', 6, 64)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
