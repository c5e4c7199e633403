// Package scorecsv writes a streaming anomaly detector's scores of traces
// as CSV (timestamp,value,anomaly_score, one row per input row): one trace
// to a writer, or every CSV file under a directory into the same relative
// path under another, as prescale detect does (docs/architecture.md).
package scorecsv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prescale/prescale/internal/trace"
)

// Workers is the number of files Dir scores at once.
const Workers = 2

// Detector is a streaming anomaly detector (predictor.Detector): the score
// in [0, 1] of each sample, fed in order.
type Detector interface {
	Update(t int64, y float64) float64
}

// InputError is an error of Dir's input directory: walking it (Malformed
// false), or a malformed CSV file or none at all (Malformed true). The
// caller names the directory's flag.
type InputError struct {
	Err       error
	Malformed bool
}

func (e *InputError) Error() string { return e.Err.Error() }

func (e *InputError) Unwrap() error { return e.Err }

// Progress is told of each file Dir scored: done of total files, its
// path relative to the input directory and its number of rows.
type Progress func(done, total int, rel string, rows int)

// Dir scores every .csv file under dir (README and other files are
// skipped) into the same relative path under outDir, Workers files at a
// time, each with a fresh detector of newDet. It stops feeding files when
// ctx ends and returns the first error, else ctx's.
func Dir(ctx context.Context, dir, outDir string, newDet func() Detector, progress Progress) error {
	rels, err := Files(dir)
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
	for range Workers {
		wg.Go(func() {
			for rel := range jobs {
				dst := filepath.Join(outDir, rel)
				err := os.MkdirAll(filepath.Dir(dst), 0o755)
				n := 0
				if err == nil {
					n, err = scoreFile(filepath.Join(dir, rel), dst, newDet())
				}
				mu.Lock()
				done++
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					progress(done, len(rels), rel, n)
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

// Files returns the paths, relative to dir and sorted, of the CSV files
// under dir: an *InputError for none.
func Files(dir string) ([]string, error) {
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
		return nil, &InputError{Err: err}
	}
	if len(rels) == 0 {
		return nil, &InputError{Err: fmt.Errorf("no CSV files under %s", dir), Malformed: true}
	}
	slices.Sort(rels)
	return rels, nil
}

// scoreFile scores the trace at src with det, in row order, and writes
// timestamp,value,anomaly_score to dst. It returns the number of rows.
func scoreFile(src, dst string, det Detector) (int, error) {
	tr, err := trace.ReadFileUnordered(src)
	if err != nil {
		return 0, &InputError{Err: err, Malformed: true}
	}
	f, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	if err := WriteFile(f, tr, det); err != nil {
		return 0, err
	}
	return tr.Len(), nil
}

// WriteFile scores tr with det into f and closes it; an error of writing
// names the file.
func WriteFile(f *os.File, tr *trace.Trace, det Detector) error {
	if err := Write(f, tr, det); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	return f.Close()
}

// Write streams tr through det and writes one CSV row per sample, the
// timestamp echoed as written in the input (tr.Raw: trace.ReadUnordered
// or trace.ReadFileUnordered).
func Write(w io.Writer, tr *trace.Trace, det Detector) error {
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
