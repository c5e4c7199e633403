// Package state persists what the controller must remember across a
// restart (cooldown timers, stabilization window, last decisions, cost so
// far) as one JSON file in the data directory, written atomically.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// FileName is the state file's name inside the data directory.
const FileName = "controller-state.json"

// Version of the file format; a different version is refused.
const Version = 1

// Target is one target's persisted state.
type Target struct {
	Policy policy.State `json:"policy"`
	// CostDay is the UTC day (YYYY-MM-DD) CostToday belongs to.
	CostDay   string    `json:"cost_day,omitempty"`
	CostToday float64   `json:"cost_today"`
	CostTotal float64   `json:"cost_total"`
	CostAt    time.Time `json:"cost_at,omitzero"`
	// Decisions are the most recent decisions, oldest first.
	Decisions []policy.Decision `json:"decisions,omitempty"`
	// PrevForecast is the previous cycle's one-step-ahead mean forecast and
	// the time it was for; the next cycle scores it (prescale_model_error).
	PrevForecast   float64   `json:"prev_forecast"`
	PrevForecastAt time.Time `json:"prev_forecast_at,omitzero"`
	// Acked holds, per actuator name, the last desired units the actuator
	// had acknowledged (webhook 2xx, exec exit 0, simulated applied); the
	// controller re-sends the current desired units to every actuator whose
	// entry differs. Absent (nil) in files written before level-triggered
	// actuation: their last decision counts as acknowledged, as those
	// controllers assumed. An empty object means nothing was acknowledged.
	Acked map[string]int `json:"acked"`
}

// File is the whole state file.
type File struct {
	Version int               `json:"version"`
	SavedAt time.Time         `json:"saved_at"`
	Targets map[string]Target `json:"targets"`
}

// Store reads and writes the state file. Save is atomic: it writes a
// temporary file in the same directory, syncs it and renames it over the
// old one, so a crash leaves either the old or the new state.
type Store struct {
	mu   sync.Mutex
	path string
}

// New returns a store for dir (created if missing).
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("state: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return &Store{path: filepath.Join(dir, FileName)}, nil
}

// Path returns the state file path.
func (s *Store) Path() string { return s.path }

// Load reads the state; a missing file is an empty state, not an error.
func (s *Store) Load() (File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return File{Version: Version, Targets: map[string]Target{}}, nil
	}
	if err != nil {
		return File{}, fmt.Errorf("state: %w", err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("state: %s: %w", s.path, err)
	}
	if f.Version != Version {
		return File{}, fmt.Errorf("state: %s: version %d, want %d", s.path, f.Version, Version)
	}
	if f.Targets == nil {
		f.Targets = map[string]Target{}
	}
	return f, nil
}

// Save writes f atomically.
func (s *Store) Save(f File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Version = Version
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("state: marshal: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), FileName+".tmp-*")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	name := tmp.Name()
	cleanup := func() { _ = os.Remove(name) }
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		cleanup()
		return fmt.Errorf("state: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		cleanup()
		return fmt.Errorf("state: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return fmt.Errorf("state: close: %w", err)
	}
	if err := os.Rename(name, s.path); err != nil {
		cleanup()
		return fmt.Errorf("state: rename: %w", err)
	}
	return nil
}
