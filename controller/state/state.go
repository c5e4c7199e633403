// Package state persists what the controller must remember across a
// restart (cooldown timers, stabilization window, last decisions, cost so
// far, what each actuator acknowledged, and the engine's memory: the calm
// hold, the shadow runs and event pacing's record) as one JSON file in the
// data directory, written atomically.
package state

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state/internal/histenc"
	"github.com/prescale/prescale/controller/state/internal/jsonfault"
	"github.com/prescale/prescale/internal/atomicfile"
	"github.com/prescale/prescale/internal/redact"
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
	// Decisions are the most recent decisions, oldest first. The file
	// holds the newest in "decisions" and the older ones packed in
	// "history" (internal/histenc; MarshalJSON, UnmarshalJSON).
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
	// Unsure lists the actuators a delivery to which failed since their
	// acknowledgement in Acked: the receiver may have applied it (a
	// command that scaled, then timed out), so after a restart the current
	// desired units are sent to them even when they equal Acked.
	Unsure []string `json:"unsure,omitempty"`
	// Pending is prescale_scaling_pending_since_timestamp_seconds (when
	// the current units began to differ from the desired ones, or last
	// moved toward them) with the current units last seen, so that a
	// restart carries it on. Absent while they are equal, and in files
	// written before it was kept (the first cycle then sets it).
	Pending *Pending `json:"pending,omitempty"`
	// Capacity and Utilization are the capacity_per_unit and
	// target_utilization the units remembered for the demand served (the
	// stabilisation and usage windows, the outage hold, the units
	// released, the calm hold's wanted units) were sized at: a unit is
	// capacity × utilisation of demand (policy.Target.UnitsFor). 0 in
	// files written before they were kept (SizedAt, utilizationWas).
	// Resize converts them to another size.
	Capacity    float64 `json:"capacity_per_unit,omitempty"`
	Utilization float64 `json:"target_utilization,omitempty"`
	// Interval is the PRESCALE_SCALING_INTERVAL (a Go duration) the
	// held scale-down's forgone gain (policy.State.Forgone) was accrued
	// at, each hold's share of the lead window, lag + interval. "" in
	// files written before it was kept (not known: the gain is kept).
	// Resize resets the gain accrued at another.
	Interval string `json:"scaling_interval,omitempty"`
	// Lag is the provisioning lag (a Go duration) the held scale-down's
	// forgone gain was accrued over, each hold's gain over the lead
	// window, lag + interval. "" in files written before it was kept: the
	// calm hold's or the shadow runs' memory key names it, if the entry
	// has one (lagWas). Resize resets the gain accrued over another.
	Lag string `json:"lag,omitempty"`
	// historyUnread says UnmarshalJSON left a packed history of another
	// version unread: Decisions are not the whole record (MarkStartup).
	historyUnread bool
	// Calm is the calm hold's memory (controller/engine, calm.go), so a
	// restart resumes the hold; absent before it was persisted (the hold
	// then waits its 12 hours again).
	Calm *Calm `json:"calm,omitempty"`
	// Shadow is the engine's shadow runs, event pacing's record and the
	// demand's steps (shadow.go), so a restart resumes them; absent before
	// they were persisted (they then start afresh).
	Shadow *Shadow `json:"shadow,omitempty"`
}

// Pending is a target's pending time and the current units last seen.
type Pending struct {
	Since   time.Time `json:"since"`
	Current int       `json:"current"`
}

// CalmVersion is the version of Calm's format. A memory of another
// version (or an inconsistent one) is dropped by Sanitize, not the file:
// the hold then starts afresh.
const CalmVersion = 1

// Calm is the calm hold's memory at a target's last decision: whether
// the target was calm and since which event of the HPA curve, prescale's
// last scale events and the units its last decisions wanted (unix
// seconds, oldest first). The engine checks the lengths and the time
// since At when it resumes it.
type Calm struct {
	Version int `json:"version"`
	// Target names the capacity, utilisation and lag the wanted units were
	// sized at (MemoryKey): a memory of another is not resumed.
	Target string  `json:"target,omitempty"`
	At     int64   `json:"at"`
	On     bool    `json:"on,omitempty"`
	Since  int64   `json:"since,omitempty"`
	Events []int64 `json:"events,omitempty"`
	Wanted []int   `json:"wanted,omitempty"`
}

// problem says why c cannot be resumed ("" when it can): another
// version, negative wanted units, events out of order or after its time.
func (c *Calm) problem() string {
	switch {
	case c.Version != CalmVersion:
		return fmt.Sprintf("version %d, want %d", c.Version, CalmVersion)
	case !slices.IsSorted(c.Events) || len(c.Events) > 0 && c.Events[len(c.Events)-1] > c.At || c.Since > c.At:
		return "times out of order"
	case slices.ContainsFunc(c.Wanted, func(u int) bool { return u < 0 }):
		return "negative wanted units"
	}
	return ""
}

// File is the whole state file: JSON, compact since this version;
// earlier versions wrote it indented, which loads the same. Store.encode
// writes its fields itself, one target at a time (json.Marshal's bytes;
// TestSaveWritesCompactJSON holds it to them).
type File struct {
	Version int               `json:"version"`
	SavedAt time.Time         `json:"saved_at"`
	Targets map[string]Target `json:"targets"`
}

// Store reads and writes the state file. Save is atomic: it writes a
// temporary file in the same directory, syncs it and renames it over the
// old one (atomicfile), so a crash leaves either the old or the new state.
type Store struct {
	mu      sync.Mutex
	path    string
	removed int

	// Save's encoder, reused: the file is streamed through w one target
	// at a time (each encoded into buf), so that a save allocates about
	// one target's encoding, not the whole file's (megabytes at 1,000
	// targets, every cycle).
	w      *bufio.Writer
	buf    bytes.Buffer
	enc    *json.Encoder
	shadow []byte // the memory's forecaster's policy state (JSON), reused
	packed []byte // the memory's packed runs, reused
	out    []byte // appendShadow's bytes, the history's base64, reused
	hist   []byte // the packed history, reused
	col    []byte // a column of it, reused

}

// saveOptions: the state file is written mode 0600, as os.CreateTemp made
// it before Save wrote through atomicfile, and synced with its directory
// so that a power failure right after a save brings back the previous
// file or the new one, not an empty file or none.
var saveOptions = atomicfile.Options{Perm: 0o600, Durable: true}

// New returns a store for dir (created if missing). Temporary files an
// earlier process left behind when it crashed between writing and
// renaming are removed: the caller holds the data directory (its lock), so
// no other writer can own them.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("state: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	s := &Store{path: filepath.Join(dir, FileName), w: bufio.NewWriterSize(nil, 64<<10)}
	s.enc = json.NewEncoder(&s.buf)
	// Save's temporary files are beside the file a link names (another
	// file's there are not this store's); version 0.1.0 named them
	// FileName.tmp-RAND in dir.
	stale, err := filepath.Glob(filepath.Join(dir, FileName+".tmp-*"))
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if temps, err := atomicfile.Temps(s.path); err == nil {
		stale = append(stale, temps...)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("state: removing a stale temporary file: %w", err)
		}
		s.removed++
	}
	return s, nil
}

// RemovedTemp is the number of stale temporary files New removed.
func (s *Store) RemovedTemp() int { return s.removed }

// Path returns the state file path.
func (s *Store) Path() string { return s.path }

// MoveAside ends the errors of a state file that cannot be read: what the
// operator can do about it (the program refuses to start on it).
const MoveAside = "move it aside to start without it (each target's cooldowns, last decisions and acknowledged units are then forgotten: the current desired units are sent again)"

// Load reads the state; a missing file is an empty state, not an error.
func (s *Store) Load() (File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return File{Version: Version, Targets: map[string]Target{}}, nil
	}
	if err != nil {
		if fi, serr := os.Stat(s.path); serr == nil && fi.IsDir() {
			return File{}, fmt.Errorf("state: %s: a directory, not a state file; %s", s.path, MoveAside)
		}
		return File{}, fmt.Errorf("state: %w", err)
	}
	return s.decode(b)
}

// decode reads the state file's bytes b (Load's, once read; FuzzLoad's
// without a file, whose writes made fuzzing crawl).
func (s *Store) decode(b []byte) (File, error) {
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("state: %s: %s; %s", s.path, jsonfault.Describe(b, err, func(sub []byte) error { return json.Unmarshal(sub, new(File)) }), MoveAside)
	}
	if f.Version != Version {
		return File{}, fmt.Errorf("state: %s: version %d, want %d; %s", s.path, f.Version, Version, MoveAside)
	}
	if f.Targets == nil {
		f.Targets = map[string]Target{}
	}
	return f, nil
}

// Save writes f atomically (atomicfile, saveOptions), as compact JSON
// (json.Marshal's bytes; files written indented by earlier versions load
// the same). A state file that is a symbolic link writes the file it
// names, through a temporary file beside that file, and stays a link;
// renamed over, the link became a regular file in the data directory.
func (s *Store) Save(f File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Version = Version
	tmp, err := atomicfile.CreateWith(s.path, saveOptions)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	s.w.Reset(tmp)
	err = s.encode(s.w, f)
	s.w.Reset(nil) // hold no file between saves
	if err != nil {
		tmp.Abort()
		return fmt.Errorf("state: write: %w", err)
	}
	if err := tmp.Commit(); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// encode writes f to w as json.Marshal would (targets by name), one
// target at a time, and flushes w.
func (s *Store) encode(w *bufio.Writer, f File) error {
	head, err := s.marshal(struct {
		Version int       `json:"version"`
		SavedAt time.Time `json:"saved_at"`
	}{f.Version, f.SavedAt})
	if err != nil {
		return err
	}
	_, _ = w.Write(head[:len(head)-1]) // its closing brace after the targets
	if f.Targets == nil {
		_, _ = w.WriteString(`,"targets":null}`)
		return w.Flush()
	}
	_, _ = w.WriteString(`,"targets":{`)
	for k, name := range slices.Sorted(maps.Keys(f.Targets)) {
		if k > 0 {
			_ = w.WriteByte(',')
		}
		key, err := s.marshal(name)
		if err != nil {
			return err
		}
		_, _ = w.Write(key)
		_ = w.WriteByte(':')
		if err := s.writeTarget(w, f.Targets[name]); err != nil {
			return err
		}
	}
	_, _ = w.WriteString("}}")
	return w.Flush() // the first write error, if any
}

// writeTarget writes t's JSON to w (MarshalJSON's bytes): its fields
// as encoding/json writes them but for its decisions, the newest alone
// in "decisions" and the older ones packed in "history" (internal/histenc),
// and its shadow runs' memory, its last field, through appendShadow
// (through its MarshalJSON when of another version or unreadable runs).
func (s *Store) writeTarget(w *bufio.Writer, t Target) error {
	m := t.Shadow
	t.Shadow = nil
	var older []policy.Decision
	if n := len(t.Decisions); n > 1 && histenc.Packable() == nil {
		older, t.Decisions = t.Decisions[:n-1], t.Decisions[n-1:]
	}
	val, err := s.marshal((*plainTarget)(&t))
	if err != nil || m == nil && older == nil {
		_, _ = w.Write(val)
		return err
	}
	_, _ = w.Write(val[:len(val)-1]) // its closing brace after the rest
	if older != nil {
		_, _ = w.WriteString(`,"history":"`)
		s.hist, s.col = histenc.Append(s.hist[:0], s.col, older)
		s.out = base64.RawStdEncoding.AppendEncode(s.out[:0], s.hist)
		_, _ = w.Write(s.out)
		_ = w.WriteByte('"')
	}
	if m != nil {
		_, _ = w.WriteString(`,"shadow":`)
		if err := s.writeShadow(w, m); err != nil {
			return err
		}
	}
	return w.WriteByte('}')
}

// writeShadow writes the shadow runs' memory m's JSON.
func (s *Store) writeShadow(w *bufio.Writer, m *Shadow) error {
	if m.Version != ShadowVersion || m.bad != "" {
		js, err := s.marshal(m)
		if err != nil {
			return err
		}
		_, err = w.Write(js)
		return err
	}
	fc, err := s.marshal(m.FcPolicy)
	if err != nil {
		return err
	}
	s.shadow = append(s.shadow[:0], fc...)
	target, err := s.marshal(m.Target)
	if err != nil {
		return err
	}
	s.out, s.packed = appendShadow(s.out[:0], s.packed, m, target, s.shadow)
	_, err = w.Write(s.out)
	return err
}

// plainTarget is Target without its methods: encoding/json's fields.
type plainTarget Target

// MarshalJSON writes t as the state file holds it (writeTarget).
func (t Target) MarshalJSON() ([]byte, error) {
	var out bytes.Buffer
	s := &Store{}
	s.enc = json.NewEncoder(&s.buf)
	w := bufio.NewWriter(&out)
	if err := s.writeTarget(w, t); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// UnmarshalJSON reads a target as the state file holds it: its decisions
// are the packed "history" (when there is one) followed by "decisions"
// (all of them in files written before the history was packed). A
// history of another version (a newer controller's) is not read; one
// that cannot be read is an error, as decisions that are not a list.
func (t *Target) UnmarshalJSON(b []byte) error {
	var v struct {
		plainTarget
		History *string `json:"history"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = Target(v.plainTarget)
	if v.History == nil {
		return nil
	}
	older, err := histenc.Read(*v.History)
	switch {
	case errors.Is(err, histenc.ErrVersion):
		t.historyUnread = true
		return nil
	case err != nil:
		return err
	}
	t.Decisions = append(older, t.Decisions...)
	return nil
}

// marshal returns json.Marshal's bytes of v, in s.buf (valid until the
// next call).
func (s *Store) marshal(v any) ([]byte, error) {
	s.buf.Reset()
	if err := s.enc.Encode(v); err != nil {
		return nil, err
	}
	b := s.buf.Bytes()
	return b[:len(b)-1], nil // Encode ends the value with a newline
}

// Shift moves the times of the target's state that decisions read by d
// (negative: back): the policy's last scale-up and scale-down, its
// stabilisation and usage windows' entries, the end of a manual override
// (and when an operator ended it), the end of an outage, when cost last accrued, what the previous
// forecast was for, the pending time, and the times in the calm hold's and the shadow runs'
// memories. The decisions' own times are history and stay. A time
// with a monotonic clock reading (one this process took from time.Now)
// moves too, and loses that reading: shifted with it, it would compare
// with now on the monotonic clock, which a clock change does not move,
// and end its cooldown early by d; kept, its wall clock reading, all the
// state file saves, would stay on the old clock (a cooldown held for d
// more after the next start). Wall clock only, it compares with now as a
// time read from the file does.
func (t *Target) Shift(d time.Duration) {
	t.eachTime(func(_ string, x *time.Time, _ bool) {
		if !x.IsZero() {
			*x = x.Round(0).Add(d)
		}
	})
	if c := t.Calm; c != nil {
		sec := int64(d / time.Second)
		m := *c
		m.At += sec
		if m.Since != 0 {
			m.Since += sec
		}
		m.Events = make([]int64, len(c.Events))
		for i, e := range c.Events {
			m.Events[i] = e + sec
		}
		t.Calm = &m
	}
	if t.Shadow != nil {
		t.Shadow = t.Shadow.shift(d)
	}
}

// Sanitize bounds what a target's state may hold, for a target with units
// in [lo, hi]: the file may be hand-edited, corrupt or from a target whose
// bounds have since changed. Unit counts outside the bounds are clamped
// (the usage window's to [0, hi]: observed use is 0 without demand); a
// manual override and an acknowledgement outside them are kept (the
// policy clamps the one, the receiver runs the other), dropped or
// forgotten only outside [0, policy.MaxUnitsLimit] (so the actuator is
// sent the current units); non-finite or negative costs, forgone gain
// and round trips and a non-finite forecast are reset. It returns one
// message per change, for a warning.
func (t *Target) Sanitize(lo, hi int) []string {
	var msgs []string
	clampUnits := func(field string, u *int, lo int) {
		if c := max(lo, min(hi, *u)); c != *u {
			msgs = append(msgs, fmt.Sprintf("%s %d outside [%d, %d]: %d", field, *u, lo, hi, c))
			*u = c
		}
	}
	p := &t.Policy
	if p.HasLast {
		clampUnits("last_desired", &p.LastDesired, lo)
	}
	if p.OutageHold != 0 {
		clampUnits("outage_hold", &p.OutageHold, lo)
	}
	if p.ReleasedFrom != 0 {
		clampUnits("released_from", &p.ReleasedFrom, lo)
	}
	for i := range p.Recent {
		clampUnits("recent units", &p.Recent[i].Units, lo)
	}
	for i := range p.Used { // observed use: 0 when there was no demand
		clampUnits("used units", &p.Used[i].Units, min(lo, 0))
	}
	msgs = append(msgs, t.sanitizeOperator(lo, hi)...)
	for _, c := range []struct {
		field string
		v     *float64
	}{{"cost_today", &t.CostToday}, {"cost_total", &t.CostTotal}, {"forgone", &p.Forgone}, {"round_trips", &p.RoundTrips}} {
		if !(*c.v >= 0) || math.IsInf(*c.v, 0) {
			msgs = append(msgs, fmt.Sprintf("%s %v is not a finite number >= 0: 0", c.field, *c.v))
			*c.v = 0
		}
	}
	if p.RoundTrips > policy.MaxRoundTrips {
		msgs = append(msgs, fmt.Sprintf("round_trips %v above %d: %d", p.RoundTrips, policy.MaxRoundTrips, policy.MaxRoundTrips))
		p.RoundTrips = policy.MaxRoundTrips
	}
	if math.IsNaN(t.PrevForecast) || math.IsInf(t.PrevForecast, 0) {
		msgs = append(msgs, "prev_forecast is not finite: dropped")
		t.PrevForecast, t.PrevForecastAt = 0, time.Time{}
	}
	if t.Pending != nil && (t.Pending.Since.IsZero() || t.Pending.Current < 0) {
		msgs = append(msgs, fmt.Sprintf("pending since %v with %d current units: dropped (the first cycle sets it)", t.Pending.Since, t.Pending.Current))
		t.Pending = nil
	}
	return append(msgs, t.sanitizeMemories(lo, hi)...)
}

// sanitizeOperator checks what an operator and the receivers set: a
// manual override and the units each actuator acknowledged, kept outside
// [lo, hi] (see Sanitize) and dropped only outside [0,
// policy.MaxUnitsLimit].
func (t *Target) sanitizeOperator(lo, hi int) []string {
	var msgs []string
	// An operator's override outside bounds changed since is kept: the
	// policy clamps it while it is in force (it was dropped, and the
	// policy decided at once). One no target may have is dropped.
	switch m := t.Policy.Manual; {
	case m == nil:
	case m.Units < 0 || m.Units > policy.MaxUnitsLimit:
		msgs = append(msgs, fmt.Sprintf("manual override of %d units outside [0, %d]: dropped", m.Units, policy.MaxUnitsLimit))
		t.Policy.Manual = nil
	case m.Units < lo || m.Units > hi:
		msgs = append(msgs, fmt.Sprintf("manual override of %d units outside [%d, %d]: %d while in force", m.Units, lo, hi, max(lo, min(hi, m.Units))))
	}
	// An acknowledgement is what the receiver runs, not a decision: one
	// outside [lo, hi] after min_units or max_units changed is still in
	// place, and the decision that brings it within them is sent as the
	// move it is (20 acknowledged, max_units now 15: "down", current 20).
	// Forgotten, the move went out as "none" from the clamped last
	// decision. Only a count no target may have is forgotten (re-sent).
	for name, u := range t.Acked {
		if u < 0 || u > policy.MaxUnitsLimit {
			msgs = append(msgs, fmt.Sprintf("units %d acknowledged by %s outside [0, %d]: forgotten",
				u, redact.Cut(name, redact.MaxEchoed), policy.MaxUnitsLimit))
			delete(t.Acked, name)
		}
	}
	return msgs
}

// sanitizeMemories drops the engine's memories (the calm hold's, the
// shadow runs') when inconsistent or of another version, never the file.
func (t *Target) sanitizeMemories(lo, hi int) []string {
	var msgs []string
	if t.Calm != nil {
		if why := t.Calm.problem(); why != "" {
			msgs = append(msgs, "calm memory "+why+": dropped (the calm hold starts afresh)")
			t.Calm = nil
		}
	}
	if t.Shadow != nil {
		if why := t.Shadow.problem(lo, hi); why != "" {
			msgs = append(msgs, "shadow memory "+why+": dropped (the shadow runs start afresh)")
			t.Shadow = nil
		}
	}
	return msgs
}

// eachTime calls f with each time.Time the entry persists outside its
// decisions and its calm and shadow memories, by its name in ClampPast's
// messages; ahead is true for the two that are future times by design (a
// manual override's end, the time the previous forecast was for). It is
// the one list Shift moves and ClampPast bounds. A manual override and a
// pending time are copied first, so f never writes through a pointer the
// entry shares.
func (t *Target) eachTime(f func(field string, x *time.Time, ahead bool)) {
	p := &t.Policy
	f("last_scale_up", &p.LastScaleUp, false)
	f("last_scale_down", &p.LastScaleDown, false)
	f("resumed", &p.Resumed, false)
	for i := range p.Recent {
		f("recent at", &p.Recent[i].At, false)
	}
	for i := range p.Used {
		f("used at", &p.Used[i].At, false)
	}
	if p.Manual != nil {
		m := *p.Manual
		f("manual override until", &m.Until, true)
		f("manual override cancelled", &m.Cancelled, false)
		p.Manual = &m
	}
	f("cost_at", &t.CostAt, false)
	f("prev_forecast_at", &t.PrevForecastAt, true)
	if t.Pending != nil {
		pend := *t.Pending
		f("pending since", &pend.Since, false)
		t.Pending = &pend
	}
}
