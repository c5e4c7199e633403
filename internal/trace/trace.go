// Package trace reads and writes demand traces: CSV files with a
// "timestamp,value" header, as used by prescale's offline commands and the
// referee scripts.
package trace

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Trace is a demand series. V[i] is NaN where the sample is missing.
type Trace struct {
	T []int64   // unix seconds, strictly increasing
	V []float64 // NaN = missing
	// Raw holds each row's timestamp exactly as written in the file, so that
	// outputs can echo it back (NAB results must repeat the data's timestamps).
	Raw []string
}

// Len returns the number of samples.
func (tr *Trace) Len() int { return len(tr.T) }

// TimeLayout is the textual timestamp form accepted besides unix seconds
// (always read as UTC).
const TimeLayout = "2006-01-02 15:04:05"

// ReadFile reads a trace file; see Read.
func ReadFile(path string) (*Trace, error) { return readFile(path, true) }

// ReadFileUnordered reads a trace file; see ReadUnordered.
func ReadFileUnordered(path string) (*Trace, error) { return readFile(path, false) }

func readFile(path string, ordered bool) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr, err := read(f, ordered)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tr, nil
}

// Read parses CSV with a header naming "timestamp" and "value" columns
// (case-insensitive, extra columns ignored). Timestamps are unix seconds
// (an integral float is accepted) or "YYYY-MM-DD HH:MM:SS" in UTC. Empty,
// "nan", "na", "null" and "none" values are missing (NaN). Timestamps must
// not decrease; a repeated timestamp (a clock change in some real data) is
// kept, since the rows must be echoed one for one.
func Read(r io.Reader) (*Trace, error) { return read(r, true) }

// ReadUnordered is Read except that a timestamp earlier than the one before
// it is accepted: a streaming detector works on row order, and some real
// data (NAB's machine_temperature_system_failure.csv) has a block of rows
// out of time order whose rows must still be echoed one for one.
func ReadUnordered(r io.Reader) (*Trace, error) { return read(r, false) }

func read(r io.Reader, ordered bool) (*Trace, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file: expected header timestamp,value")
		}
		return nil, err
	}
	ti, vi := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "timestamp":
			ti = i
		case "value":
			vi = i
		}
	}
	if ti < 0 || vi < 0 {
		return nil, fmt.Errorf("bad header %q: expected timestamp,value", strings.Join(header, ","))
	}
	tr := &Trace{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if ti >= len(rec) || vi >= len(rec) {
			return nil, fmt.Errorf("line %d: expected at least %d fields, got %d", line, max(ti, vi)+1, len(rec))
		}
		raw := strings.TrimSpace(rec[ti])
		ts, err := ParseTimestamp(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if n := len(tr.T); ordered && n > 0 && ts < tr.T[n-1] {
			return nil, fmt.Errorf("line %d: timestamp %d before previous %d", line, ts, tr.T[n-1])
		}
		v, err := ParseValue(rec[vi])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		tr.T = append(tr.T, ts)
		tr.V = append(tr.V, v)
		tr.Raw = append(tr.Raw, raw)
	}
	if len(tr.T) == 0 {
		return nil, errors.New("no data rows")
	}
	return tr, nil
}

// ParseTimestamp parses unix seconds or "YYYY-MM-DD HH:MM:SS" (UTC).
func ParseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f != math.Trunc(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("timestamp %q is not whole seconds", s)
		}
		return int64(f), nil
	}
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: want unix seconds or %q", s, "YYYY-MM-DD HH:MM:SS")
	}
	return t.Unix(), nil
}

// ParseValue parses a sample value; missing markers give NaN, infinities
// are rejected.
func ParseValue(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "nan", "na", "n/a", "null", "none":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %q is infinite", s)
	}
	return v, nil
}

// FormatFloat formats v for CSV output: shortest exact form, empty for NaN.
func FormatFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
