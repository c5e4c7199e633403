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
	"unicode/utf8"
)

// Trace is a demand series. V[i] is NaN where the sample is missing.
type Trace struct {
	T []int64   // unix seconds; strictly increasing unless read by ReadUnordered
	V []float64 // NaN = missing
	// Raw holds each row's timestamp exactly as written in the file, so that
	// outputs can echo it back (NAB results must repeat the data's
	// timestamps); only ReadUnordered fills it.
	Raw []string
}

// Len returns the number of samples.
func (tr *Trace) Len() int { return len(tr.T) }

// timeLayout is the textual timestamp form accepted besides unix seconds
// (always read as UTC).
const timeLayout = "2006-01-02 15:04:05"

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
	tr, err := read(f, !ordered)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tr, nil
}

// Read parses CSV with a header naming "timestamp" and "value" columns
// (case-insensitive, extra columns ignored). Timestamps are unix seconds
// (an integral float is accepted) or "YYYY-MM-DD HH:MM:SS" in UTC, and
// must increase strictly: a repeated or earlier timestamp is an error
// naming both lines (forecast and backtest index samples by time). Empty,
// "nan", "na", "null" and "none" values are missing (NaN). A negative
// value is an error: a demand never is. Raw is not kept (see
// ReadUnordered). Errors name the line and quote at most
// 100 bytes of a field (maxEcho).
func Read(r io.Reader) (*Trace, error) { return read(r, false) }

// ReadUnordered is Read except that a timestamp equal to or earlier than
// the one before it and a negative value (any signal may be scored for
// anomalies) are accepted and Raw is kept: a streaming detector works
// on row order and echoes every row's timestamp as written, and some real
// data (NAB's machine_temperature_system_failure.csv) has a block of rows
// out of time order, others a repeated timestamp (a clock change).
func ReadUnordered(r io.Reader) (*Trace, error) { return read(r, true) }

// Limits of what a trace may hold.
const (
	// MaxUnixSeconds is the largest timestamp taken as unix seconds (the
	// year 5138): a larger one is almost surely milliseconds (1.7e12 in
	// 2023) and is refused rather than read as a date 50,000 years away.
	MaxUnixSeconds = 1e11
	// MaxAbsValue bounds a sample's magnitude. The models square and sum
	// values over long windows; 1e15 (a petabyte per second) keeps every
	// such sum far from overflowing while no real demand comes near it.
	MaxAbsValue = 1e15
	// maxEcho is the most bytes of an input field an error quotes.
	maxEcho = 100
)

func read(r io.Reader, unordered bool) (*Trace, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	ti, vi, err := readHeader(cr)
	if err != nil {
		return nil, err
	}
	tr := &Trace{}
	prevLine := 0
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
		ts, err := parseTimestamp(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if n := len(tr.T); !unordered && n > 0 && ts <= tr.T[n-1] {
			if ts == tr.T[n-1] {
				return nil, fmt.Errorf("line %d: timestamp %d repeats line %d's: each timestamp once", line, ts, prevLine)
			}
			return nil, fmt.Errorf("line %d: timestamp %d before previous %d (line %d): rows must be sorted by time", line, ts, tr.T[n-1], prevLine)
		}
		v, err := parseValue(rec[vi])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if !unordered && v < 0 {
			return nil, fmt.Errorf("line %d: value %s is negative: a demand (a request rate, a utilisation, a queue length) never is; check how the trace was made (a deriv(), a subtraction)", line, quote(strings.TrimSpace(rec[vi])))
		}
		tr.T = append(tr.T, ts)
		tr.V = append(tr.V, v)
		if unordered {
			tr.Raw = append(tr.Raw, strings.Clone(raw)) // not the whole record's string
		}
		prevLine = line
	}
	if len(tr.T) == 0 {
		return nil, errors.New("no data rows")
	}
	return tr, nil
}

// readHeader finds the timestamp and value columns.
func readHeader(cr *csv.Reader) (ti, vi int, err error) {
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, 0, errors.New("empty file: expected header timestamp,value")
		}
		return 0, 0, err
	}
	ti, vi = -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "timestamp":
			ti = i
		case "value":
			vi = i
		}
	}
	if ti < 0 || vi < 0 {
		return 0, 0, fmt.Errorf("bad header %s: expected timestamp,value", quote(strings.Join(header, ",")))
	}
	return ti, vi, nil
}

// quote is %q of s cut to maxEcho bytes (on a rune boundary), for error
// messages that echo input: a 20 MB field is not repeated back.
func quote(s string) string {
	if len(s) <= maxEcho {
		return strconv.Quote(s)
	}
	n := maxEcho
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strconv.Quote(s[:n]) + fmt.Sprintf("... (%d bytes)", len(s))
}

// parseTimestamp parses unix seconds or "YYYY-MM-DD HH:MM:SS" (UTC). Unix
// seconds must be in [0, MaxUnixSeconds]: a millisecond timestamp is
// refused with a hint.
func parseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	date := false
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			t, terr := time.Parse(timeLayout, s)
			if terr != nil {
				return 0, fmt.Errorf("timestamp %s: want unix seconds or %q", quote(s), "YYYY-MM-DD HH:MM:SS")
			}
			n, date = t.Unix(), true // range-checked below: "0000-01-01 00:00:00" (found by FuzzRead)
		} else {
			if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > math.MaxInt64/2 {
				return 0, fmt.Errorf("timestamp %s is not whole seconds", quote(s))
			}
			n = int64(f)
		}
	}
	if n < 0 {
		return 0, fmt.Errorf("timestamp %s is before 1970", quote(s))
	}
	if n > MaxUnixSeconds {
		if !date && n/1000 <= MaxUnixSeconds {
			return 0, fmt.Errorf("timestamp %s is in milliseconds? Unix seconds are expected (divide by 1000)", quote(s))
		}
		return 0, fmt.Errorf("timestamp %s is beyond the year 5000: want unix seconds", quote(s))
	}
	return n, nil
}

// parseValue parses a sample value; missing markers give NaN, infinities
// and magnitudes above MaxAbsValue are rejected.
func parseValue(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "nan", "na", "n/a", "null", "none":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("value %s is not a number", quote(s))
	}
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %s is infinite", quote(s))
	}
	if math.Abs(v) > MaxAbsValue {
		return 0, fmt.Errorf("value %s is beyond ±%g", quote(s), float64(MaxAbsValue))
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

// Write writes tr as a trace file: the header, then one row per sample,
// unix seconds and the value as FormatFloat gives it (empty where missing).
// Read reads it back to the same samples.
func Write(w io.Writer, tr *Trace) error {
	if len(tr.T) != len(tr.V) {
		return fmt.Errorf("trace: %d timestamps but %d values", len(tr.T), len(tr.V))
	}
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString("timestamp,value\n")
	for i, t := range tr.T {
		_, _ = bw.WriteString(strconv.FormatInt(t, 10))
		_ = bw.WriteByte(',')
		_, _ = bw.WriteString(FormatFloat(tr.V[i]))
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}
