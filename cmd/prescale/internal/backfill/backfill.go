// Package backfill is `prescale run --backfill`: a trace's history window
// written into a new embedded store as one block, its later samples
// replayed as their time comes, and the targets file that decides on it
// beside the configured target.
package backfill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/trace"
)

// Metric is the metric a backfilled trace is replayed as.
const Metric = "prescale_trace_demand"

// TargetsFile is the targets file WriteTargets writes in the data
// directory.
const TargetsFile = "run-targets.yml"

// Name is the trace label of the replayed trace: the file's name without
// its extension.
func Name(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// InputError is a backfill the input refuses (exit 2): a data directory
// that already holds a store, a trace that cannot be replayed.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

func (e *InputError) Unwrap() error { return e.Err }

// Options say what Write backfills where.
type Options struct {
	Dir   string       // the store's directory (PRESCALE_DATA_DIR/tsdb)
	Trace *trace.Trace // read from Path
	Path  string
	// Window and Step are the history window and step: only the window
	// (one step of margin) is written.
	Window, Step time.Duration
	Logger       *slog.Logger // the TSDB's, quiet
}

// Write writes the first 70 % of the trace, as far as they fall in the
// history window before now, into a new store in o.Dir as one block
// (refusing a directory that already holds a store: the block would
// overlap what is there), reports on stdout and stderr, and returns the
// replay of the rest, not yet attached to a store.
func Write(ctx context.Context, o Options, now time.Time, stdout, stderr io.Writer) (*history.Replay, error) {
	if held, err := StoreHoldsData(o.Dir); err != nil {
		return nil, fmt.Errorf("PRESCALE_DATA_DIR: %w", err)
	} else if held {
		return nil, &InputError{fmt.Errorf("--backfill: %s already holds a store; its blocks would overlap the backfilled one: give an empty PRESCALE_DATA_DIR (or remove %s)", o.Dir, o.Dir)}
	}
	tr, name := o.Trace, Name(o.Path)
	r, err := history.NewReplay(nil, labels.FromStrings(model.MetricNameLabel, Metric, "trace", name),
		tr.T, tr.V, tr.Len()*7/10, now)
	if err != nil {
		return nil, &InputError{fmt.Errorf("--backfill: %w", err)}
	}
	// Only the history window (one step of margin) is loaded: the
	// controller reads no more, and PRESCALE_RETENTION (>= the window)
	// would delete anything older soon after.
	ts, vs, skipped := r.Take(now.Add(-o.Window-o.Step), now)
	fmt.Fprintf(stderr, "prescale run: backfilling %d samples of %s into %s (%d older than PRESCALE_HISTORY_WINDOW=%s skipped)...\n",
		len(ts), o.Path, o.Dir, skipped, o.Window)
	t0 := time.Now()
	n, err := history.WriteBlock(ctx, o.Dir, r.Labels(), ts, vs, o.Logger)
	if err != nil {
		return nil, fmt.Errorf("--backfill: %w", err)
	}
	fmt.Fprintf(stderr, "prescale run: backfilled %d samples as one block in %s\n", n, time.Since(t0).Round(time.Millisecond))
	fmt.Fprintf(stdout, "prescale run: backfilled %d samples of %s (step %s) as %s{trace=%q}; the remaining %d are replayed as their time comes\n",
		n, o.Path, o.Step, Metric, name, tr.Len()-(tr.Len()*7/10+1))
	return r, nil
}

// StoreHoldsData reports whether dir holds a TSDB with data: a block
// directory or a write-ahead log segment.
func StoreHoldsData(dir string) (bool, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); err == nil {
			return true, nil // a block
		}
		if e.Name() == "wal" {
			segs, err := os.ReadDir(filepath.Join(dir, "wal"))
			if err == nil && slices.ContainsFunc(segs, func(s os.DirEntry) bool { return !s.IsDir() }) {
				return true, nil
			}
		}
	}
	return false, nil
}

// WriteTargets adds the replayed trace as a second target beside the
// configured one, through a targets file in the data directory.
func WriteTargets(cfg *config.Config, r *history.Replay, name string, capacity float64) error {
	if cfg.TargetsFile != "" {
		return nil // the user's file decides
	}
	capacity, err := Capacity(r.Values(), capacity, name)
	if err != nil {
		return err
	}
	content, err := TargetsYAML(cfg.EnvTarget(), name, capacity)
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, TargetsFile)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return err
	}
	// The file holds the target's name and queries now (not inherited
	// from the variables, which would read as settings left unused).
	cfg.TargetsFile = path
	cfg.TargetName, cfg.TargetQuery, cfg.TargetCurrentQuery = "", "", ""
	return nil
}

// Capacity is the replayed target's capacity per unit: given (the
// --capacity flag) when set, else the trace's 95th percentile / 5 (1 for a
// trace of zeros), refused naming --capacity when that is below
// policy.MinCapacityPerUnit (a trace in a unit a billion times too small)
// rather than as the generated file's entry.
func Capacity(vals []float64, given float64, name string) (float64, error) {
	if given != 0 {
		return given, nil
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	capacity := s[len(s)*95/100] / 5
	if !(capacity > 0) {
		return 1, nil
	}
	if capacity < policy.MinCapacityPerUnit {
		return 0, fmt.Errorf("--backfill %s: the trace's 95th percentile / 5 is %.3g, below the least capacity_per_unit (%g): give --capacity",
			name, capacity, policy.MinCapacityPerUnit)
	}
	return capacity, nil
}

// target is one entry of the targets file prescale run writes; the
// fields left out take the PRESCALE_TARGET_* defaults.
type target struct {
	Name            string  `yaml:"name"`
	Tier            string  `yaml:"tier"`
	Kind            string  `yaml:"kind"`
	Query           string  `yaml:"query"`
	CurrentQuery    string  `yaml:"current_query,omitempty"`
	CapacityPerUnit float64 `yaml:"capacity_per_unit,omitempty"`
	MinUnits        int     `yaml:"min_units,omitempty"`
	MaxUnits        int     `yaml:"max_units,omitempty"`
}

// TargetsYAML is the targets file of prescale run --backfill: the
// configured target and the replayed trace (named name) beside it.
func TargetsYAML(base policy.Target, name string, capacity float64) ([]byte, error) {
	file := struct {
		Targets []target `yaml:"targets"`
	}{Targets: []target{
		// current_query is not inherited from the variable: it was lost.
		{Name: base.Name, Tier: base.Tier, Kind: string(base.Kind), Query: base.Query, CurrentQuery: base.CurrentQuery},
		{Name: "trace", Tier: "trace-replay", Kind: string(policy.KindInstances),
			Query:           fmt.Sprintf("%s{trace=%q}", Metric, name),
			CapacityPerUnit: capacity, MinUnits: 1, MaxUnits: 20},
	}}
	var b bytes.Buffer
	b.WriteString("# written by prescale run --backfill; edit PRESCALE_TARGET_* or give PRESCALE_TARGETS_FILE instead\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(file); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
