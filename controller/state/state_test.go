package state

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/atomicfile"
)

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	require.NoError(t, err)

	empty, err := s.Load()
	require.NoError(t, err)
	require.Empty(t, empty.Targets)

	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want := File{Version: Version, SavedAt: at, Targets: map[string]Target{
		"web": {
			Policy:    policy.State{LastDesired: 4, HasLast: true, LastScaleUp: at},
			CostDay:   "2026-01-02",
			CostToday: 1.5,
			CostTotal: 10.25,
			Decisions: []policy.Decision{{Desired: 4, Reason: policy.ReasonForecast}},
		},
	}}
	require.NoError(t, s.Save(want))
	got, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, want.Targets["web"].Policy.LastScaleUp.UTC(), got.Targets["web"].Policy.LastScaleUp.UTC())
	require.Equal(t, 4, got.Targets["web"].Policy.LastDesired)
	require.InDelta(t, 10.25, got.Targets["web"].CostTotal, 0)

	// No temporary files are left behind.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestStoreErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content, wantErr string
	}{
		{"corrupt", "{", "cut short: its JSON ends unfinished at line 1, column 2, byte offset 1; move it aside to start without it"},
		{"wrong version", `{"version": 99}`, "version 99, want 1; move it aside to start without it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(tc.content), 0o600))
			s, err := New(dir)
			require.NoError(t, err)
			_, err = s.Load()
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

// TestLoadErrorNamesTheValue: a state file that is JSON but not a state
// file's (edited by hand, damaged) is refused with the JSON path of the
// value at fault, its line, column and byte offset, what it should hold
// and what it holds. encoding/json's error named Go types (`Go struct
// field File.targets.plainTarget.cost_today of type float64`), and a
// time's or a packed history's named no field at all (`parsing time "x"
// as "2006-01-02T15:04:05Z07:00"`). A file that is not JSON is named by
// the position of its first bad byte.
func TestLoadErrorNamesTheValue(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"number a string", `{"version":1,"targets":{"web":{"cost_today":"x"}}}`,
			`targets["web"].cost_today (line 1, column 45, byte offset 44): want a number, got "x"`},
		// A file edited by hand ends with a newline: it named the whole
		// file ("unexpected end of JSON input, got an object").
		{"white space around", "\n  {\"version\":1,\"targets\":{\"web\":{\"cost_today\":\"x\"}}}\n",
			`targets["web"].cost_today (line 2, column 47, byte offset 47): want a number, got "x"`},
		{"time a number", "{\"version\": 1,\n \"targets\": {\"web\": {\"policy\": {\"last_scale_up\": 5}}}}",
			`targets["web"].policy.last_scale_up (line 2, column 50, byte offset 64): want a time such as 2026-12-07T04:30:00Z, got 5`},
		{"in a list", `{"version":1,"targets":{"api":{},"web":{"decisions":[{"desired":"a"}]}}}`,
			`targets["web"].decisions[0].desired (line 1, column 65, byte offset 64): want a whole number, got "a"`},
		{"map key", `{"version":1,"targets":{"web":{"acked":{"webhook:prescale":2.5}}}}`,
			`targets["web"].acked["webhook:prescale"] (line 1, column 60, byte offset 59): want a whole number, got 2.5`},
		{"long value", `{"version":1,"targets":{"web":{"cost_today":"` + strings.Repeat("ab", 30) + `"}}}`,
			`targets["web"].cost_today (line 1, column 45, byte offset 44): want a number, got "abababababababababababababababababababa...`},
		// Found by FuzzLoad: a long target name was quoted whole.
		{"long target name", `{"version":1,"targets":{"` + strings.Repeat("w", 300) + `":{"cost_today":"x"}}}`,
			`targets["` + strings.Repeat("w", 100) + `..."].cost_today (line 1, column 342, byte offset 341): want a number, got "x"`},
		// A plain word too: a 300-byte actuator name was repeated whole.
		{"long acked key", `{"version":1,"targets":{"web":{"acked":{"` + strings.Repeat("k", 300) + `":2.5}}}}`,
			`targets["web"].acked["` + strings.Repeat("k", 100) + `..."] (line 1, column 344, byte offset 343): want a whole number, got 2.5`},
		{"bad last byte", `{"version":1,"targets":}`, `not JSON at line 1, column 24, byte offset 23: invalid character '}' looking for beginning of value`},
		{"packed history", `{"version":1,"targets":{"web":{"history":"!!!"}}}`,
			`targets["web"].history (line 1, column 42, byte offset 41): history: not base64, got "!!!"`},
		{"packed shadow runs", `{"version":1,"targets":{"web":{"shadow":{"version":2,"runs":5}}}}`,
			`targets["web"].shadow.runs (line 1, column 61, byte offset 60): want a string, got 5`},
		{"saved_at", `{"version":1,"saved_at":"yesterday","targets":{}}`,
			`saved_at (line 1, column 25, byte offset 24): want a time such as 2026-12-07T04:30:00Z, got "yesterday"`},
		{"targets a list", `{"version":1,"targets":[{"name":"web"}]}`,
			`targets (line 1, column 24, byte offset 23): want an object, got a list`},
		{"not an object", `[1]`, `the file (line 1, column 1, byte offset 0): want an object, got a list`},
		{"not JSON", "{\"version\":1,\n\"targets\":{\"web\":{\"cost_today\":1,}}}",
			`not JSON at line 2, column 34, byte offset 47: invalid character '}' looking for beginning of object key string`},
		{"empty", "\n", "the file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			s, err := New(dir)
			require.NoError(t, err)
			_, err = s.Load()
			require.EqualError(t, err, "state: "+path+": "+tc.want+"; "+MoveAside)
			for _, goName := range []string{"Go ", "plainTarget", "float64", "int64", "2006-01-02", "state.File", "state.Target"} {
				require.NotContains(t, err.Error(), goName)
			}
		})
	}
}

// TestLoadDirectory: a state file that is a directory (a volume mounted
// at the file's path) is refused with the hint the other unreadable
// files give; it said only "is a directory".
func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	require.NoError(t, os.Mkdir(path, 0o700))
	s, err := New(dir)
	require.NoError(t, err)
	_, err = s.Load()
	require.EqualError(t, err, "state: "+path+": a directory, not a state file; "+MoveAside)
}

// TestStoreAckedCompatible: a file written before level-triggered
// actuation (no "acked") loads with Acked nil, which the controller reads
// as "the last decision was acknowledged"; an empty object stays empty
// (nothing acknowledged), and values round-trip.
func TestStoreAckedCompatible(t *testing.T) {
	dir := t.TempDir()
	old := `{"version": 1, "saved_at": "2026-01-02T03:04:05Z", "targets": {"web": {"policy": {"last_desired": 4, "has_last": true}, "cost_today": 0, "cost_total": 0, "prev_forecast": 0}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o600))
	s, err := New(dir)
	require.NoError(t, err)
	f, err := s.Load()
	require.NoError(t, err)
	require.Nil(t, f.Targets["web"].Acked)
	require.Equal(t, 4, f.Targets["web"].Policy.LastDesired)

	f.Targets["web"] = Target{Acked: map[string]int{}}
	f.Targets["db"] = Target{Acked: map[string]int{"webhook:ops": 3, "exec": 2}}
	require.NoError(t, s.Save(f))
	got, err := s.Load()
	require.NoError(t, err)
	require.NotNil(t, got.Targets["web"].Acked)
	require.Empty(t, got.Targets["web"].Acked)
	require.Equal(t, map[string]int{"webhook:ops": 3, "exec": 2}, got.Targets["db"].Acked)
}

// TestStorePendingCompatible: the pending time round-trips; a file
// without it (written before it was kept) loads with none; and a file
// with fields this code does not know loads, its known fields intact:
// Load ignores unknown fields (encoding/json without
// DisallowUnknownFields) and the version stays 1, so a controller of
// before reads a file with "pending" as it did. A clock step moves the
// pending time; one without a time or with negative units is dropped.
func TestStorePendingCompatible(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	require.NoError(t, err)
	since := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	require.NoError(t, s.Save(File{Targets: map[string]Target{"web": {Pending: &Pending{Since: since, Current: 3}}, "db": {}}}))
	f, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, &Pending{Since: since, Current: 3}, f.Targets["web"].Pending)
	require.Nil(t, f.Targets["db"].Pending)
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	require.NoError(t, err)
	require.Contains(t, string(raw), `"version":1,`)
	require.Contains(t, string(raw), `"pending":{"since":"2026-12-05T18:00:00Z","current":3}`)

	newer := `{"version": 1, "saved_at": "2026-01-02T03:04:05Z", "later_field": [1], "targets": {"web": {"policy": {"last_desired": 4, "has_last": true},
		"cost_today": 1.5, "cost_total": 0, "prev_forecast": 0, "later_target_field": {"x": 1}}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(newer), 0o600))
	f, err = s.Load()
	require.NoError(t, err)
	require.Equal(t, 4, f.Targets["web"].Policy.LastDesired)
	require.InDelta(t, 1.5, f.Targets["web"].CostToday, 0)
	require.Nil(t, f.Targets["web"].Pending, "written before the pending time was kept")

	tg := Target{Pending: &Pending{Since: since, Current: 3}}
	kept := tg.Pending
	tg.Shift(-time.Hour)
	require.Equal(t, since.Add(-time.Hour), tg.Pending.Since)
	require.Equal(t, since, kept.Since, "a copy moves, not the file's")
	require.Empty(t, tg.Sanitize(1, 10), "current units outside the bounds are kept: the cluster's")
	for _, bad := range []*Pending{{Current: 3}, {Since: since, Current: -1}} {
		tg := Target{Pending: bad}
		require.Len(t, tg.Sanitize(1, 10), 1)
		require.Nil(t, tg.Pending)
	}
}

// TestShiftMovesCancelled: a clock step (or a file from the future) moves
// an ended override's cancelled time with its until, in a copy: it is
// shown in the next decision's manual_ended, which otherwise named a time
// on the old clock, after the decision's own.
func TestShiftMovesCancelled(t *testing.T) {
	at := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	m := &policy.Override{Units: 4, Until: at.Add(time.Hour), Cancelled: at}
	ended := Target{Policy: policy.State{Manual: m}}
	ended.Shift(-time.Hour)
	require.Equal(t, &policy.Override{Units: 4, Until: at, Cancelled: at.Add(-time.Hour)}, ended.Policy.Manual)
	require.Equal(t, at, m.Cancelled, "a copy moves, not the file's")
}

// TestShiftMovesEveryTime: a clock step moves every time of a target's
// policy state and bookkeeping (the decision history stays as it was
// recorded).
func TestShiftMovesEveryTime(t *testing.T) {
	at := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	tg := Target{
		Policy: policy.State{LastScaleUp: at, LastScaleDown: at.Add(time.Minute), Resumed: at.Add(2 * time.Minute),
			Recent: []policy.Recommendation{{At: at, Units: 3}}, Used: []policy.Recommendation{{At: at, Units: 2}},
			Manual: &policy.Override{Units: 4, Until: at.Add(time.Hour)}},
		CostAt: at.Add(3 * time.Minute), PrevForecastAt: at.Add(4 * time.Minute), Pending: &Pending{Since: at, Current: 2},
	}
	tg.Shift(-time.Hour)
	back := at.Add(-time.Hour)
	require.Equal(t, Target{
		Policy: policy.State{LastScaleUp: back, LastScaleDown: back.Add(time.Minute), Resumed: back.Add(2 * time.Minute),
			Recent: []policy.Recommendation{{At: back, Units: 3}}, Used: []policy.Recommendation{{At: back, Units: 2}},
			Manual: &policy.Override{Units: 4, Until: at}},
		CostAt: back.Add(3 * time.Minute), PrevForecastAt: back.Add(4 * time.Minute), Pending: &Pending{Since: back, Current: 2},
	}, tg)
}

// TestLoadWithoutTargets: a state file without "targets" (or with null)
// loads as an empty, writable map of targets.
func TestLoadWithoutTargets(t *testing.T) {
	for _, b := range []string{`{"version":1}`, `{"version":1,"targets":null}`} {
		_, f := loadWritten(t, []byte(b))
		require.NotNil(t, f.Targets, b)
		require.Empty(t, f.Targets, b)
	}
}

// TestNewRemovesStaleTemp: a crash between writing and renaming left
// temporary files that piled up in the data directory.
func TestNewRemovesStaleTemp(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{FileName + ".tmp-1", FileName + ".tmp-2345", FileName, "other.tmp-1"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(`{"version":1}`), 0o644))
	}
	s, err := New(dir)
	require.NoError(t, err)
	require.Equal(t, 2, s.RemovedTemp())
	left, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{filepath.Join(dir, FileName), filepath.Join(dir, "other.tmp-1")}, left)
}

// TestSanitize: units outside the target's bounds (negative, huge) were
// applied as read.
func TestSanitize(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tg := Target{
		Policy: policy.State{LastDesired: -5, HasLast: true, OutageHold: 1 << 40, ReleasedFrom: -4, RoundTrips: math.Inf(1),
			Recent: []policy.Recommendation{{At: at, Units: 3}, {At: at, Units: 1e9}},
			Used:   []policy.Recommendation{{At: at, Units: -1}},
			Manual: &policy.Override{Units: -2, Until: at}},
		CostToday: -2, CostTotal: 7, Acked: map[string]int{"webhook": -3, "exec": 4, "old-max": 20, "huge": policy.MaxUnitsLimit + 1},
	}
	msgs := tg.Sanitize(1, 10)
	require.Equal(t, 1, tg.Policy.LastDesired)
	require.Equal(t, 10, tg.Policy.OutageHold)
	require.Equal(t, []policy.Recommendation{{At: at, Units: 3}, {At: at, Units: 10}}, tg.Policy.Recent)
	require.Zero(t, tg.Policy.Used[0].Units, "observed use may be 0 (no demand): clamped to 0, not min")
	require.Nil(t, tg.Policy.Manual)
	require.Equal(t, map[string]int{"exec": 4, "old-max": 20}, tg.Acked,
		"an acknowledgement no target may have is forgotten (re-sent); one outside changed bounds is what the receiver runs")
	require.Zero(t, tg.CostToday)
	require.InDelta(t, 7, tg.CostTotal, 0)
	require.Equal(t, 1, tg.Policy.ReleasedFrom)
	require.Zero(t, tg.Policy.RoundTrips)
	require.Len(t, msgs, 10)
	require.Contains(t, msgs, "last_desired -5 outside [1, 10]: 1")
	require.Contains(t, msgs, "units 1000001 acknowledged by huge outside [0, 1000000]: forgotten")
	require.Contains(t, msgs, "manual override of -2 units outside [0, 1000000]: dropped")

	// An operator's override outside bounds changed since (max_units
	// lowered below it) is kept, the policy clamping it while in force.
	pinned := Target{Policy: policy.State{Manual: &policy.Override{Units: 500, Until: at}}}
	require.Equal(t, []string{"manual override of 500 units outside [1, 10]: 10 while in force"}, pinned.Sanitize(1, 10))
	require.Equal(t, &policy.Override{Units: 500, Until: at}, pinned.Policy.Manual)

	// A huge but finite count (a hand-edited or corrupt file) would hold
	// every scale-down for ever: it is bounded as decisions bound it.
	many := Target{Policy: policy.State{RoundTrips: 1e12}}
	require.Equal(t, []string{"round_trips 1e+12 above 32: 32"}, many.Sanitize(1, 10))
	require.InDelta(t, policy.MaxRoundTrips, many.Policy.RoundTrips, 0)

	ok := Target{Policy: policy.State{LastDesired: 4, HasLast: true, RoundTrips: policy.MaxRoundTrips}, CostToday: 1}
	require.Empty(t, ok.Sanitize(1, 10), "values in range are left alone")

	// 0 and MaxUnitsLimit are counts a target may have: kept (an
	// override or acknowledgement of 0 units is a scale to zero).
	for _, u := range []int{0, policy.MaxUnitsLimit} {
		edge := Target{Policy: policy.State{Manual: &policy.Override{Units: u, Until: at}}, Acked: map[string]int{"webhook": u}}
		require.Empty(t, edge.Sanitize(0, policy.MaxUnitsLimit), "%d units", u)
		require.Equal(t, &policy.Override{Units: u, Until: at}, edge.Policy.Manual)
		require.Equal(t, map[string]int{"webhook": u}, edge.Acked)
	}
}

// TestSaveWritesCompactJSON: the file is json.Marshal's encoding of the
// state, not an indented one (23 MB instead of 13 at 1,000 targets,
// encoded twice every cycle), with the targets in name order, names JSON
// escapes included; a state without a target map too.
func TestSaveWritesCompactJSON(t *testing.T) {
	s, err := New(t.TempDir())
	require.NoError(t, err)
	for _, f := range []File{fixtureFile(), {SavedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, {Targets: map[string]Target{}}} {
		require.NoError(t, s.Save(f))
		got, err := os.ReadFile(s.Path())
		require.NoError(t, err)
		f.Version = Version
		want, err := json.Marshal(f)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

// TestLoadsIndentedFile: a file written by the earlier versions (indented
// JSON; testdata/controller-state-v1-indented.json was written by their
// Save) loads as what they saved (no pending time, no scaling interval),
// and saved again it loads the same.
func TestLoadsIndentedFile(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "controller-state-v1-indented.json"))
	require.NoError(t, err)
	require.Contains(t, string(old), "\n  \"targets\": {\n")
	s, f := loadWritten(t, old)
	// Written before the pending time and the scaling interval were kept:
	// none.
	want := fixtureFile()
	for name, tg := range want.Targets {
		tg.Pending, tg.Interval = nil, ""
		want.Targets[name] = tg
	}
	require.Equal(t, want, f)
	require.NoError(t, s.Save(f))
	again, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, want, again)
}

// TestSaveAllocatesLittle: a save streams the file one target at a time
// through buffers the store keeps, instead of building it whole (and an
// indented copy) every cycle: it allocated 2.5 to 3 times the file's size.
func TestSaveAllocatesLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not counted under the race detector (see raceEnabled)")
	}
	s, err := New(t.TempDir())
	require.NoError(t, err)
	f := fleetFile(200)
	require.NoError(t, s.Save(f)) // the encoder's caches
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	require.NoError(t, s.Save(f))
	runtime.ReadMemStats(&after)
	st, err := os.Stat(s.Path())
	require.NoError(t, err)
	alloc := after.TotalAlloc - before.TotalAlloc
	require.Less(t, alloc, uint64(st.Size())/2, "allocated %d bytes for a file of %d", alloc, st.Size())
}

// TestSaveIsPrivateAndDurable: the state file is written mode 0600 (as
// os.CreateTemp made it), even over a file of another mode, and synced
// with its directory (atomicfile's TestCommitDurable: the rename is made
// durable by an fsync of the directory, after the new file is in place).
func TestSaveIsPrivateAndDurable(t *testing.T) {
	require.Equal(t, atomicfile.Options{Perm: 0o600, Durable: true}, saveOptions)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(`{"version":1}`), 0o644))
	s, err := New(dir)
	require.NoError(t, err)
	require.NoError(t, s.Save(File{}))
	fi, err := os.Stat(s.Path())
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// TestShiftMovesMonotonicTimesOnTheWallClock: a time this process took
// from time.Now (a monotonic reading) moves with the step too, as a wall
// clock time: the state file keeps only the wall clock, and one saved
// after a step back of an hour held such a time, a scale-up's made before
// the step, an hour ahead of the clock that reads it at the next start
// (its cooldown held an hour more, SavedAt being after the step, so the
// start's clockstep.FromTheFuture moved nothing). Shifted with its monotonic
// reading it would have compared on it, which no step moves, and ended
// its cooldown early by the step: it is now wall clock only, as one read
// from the file.
func TestShiftMovesMonotonicTimesOnTheWallClock(t *testing.T) {
	mono := time.Now()
	wall := mono.Round(0)
	require.False(t, wallOnly(mono))
	require.True(t, wallOnly(wall))
	ts := Target{Policy: policy.State{LastScaleUp: mono, LastScaleDown: wall}, CostAt: mono}
	ts.Shift(-time.Hour)
	require.True(t, wallOnly(ts.Policy.LastScaleUp), "compared on the wall clock from now on")
	require.Equal(t, wall.Add(-time.Hour), ts.Policy.LastScaleUp, "a time this process set moves")
	require.Equal(t, wall.Add(-time.Hour), ts.CostAt)
	require.Equal(t, wall.Add(-time.Hour), ts.Policy.LastScaleDown, "a time read from the file moves")

	// Saved after the step and read back, as at the next start.
	st, err := New(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, st.Save(File{Version: Version, SavedAt: wall.Add(-time.Hour), Targets: map[string]Target{"web": ts}}))
	f, err := st.Load()
	require.NoError(t, err)
	require.True(t, f.Targets["web"].Policy.LastScaleUp.Equal(wall.Add(-time.Hour)), "the file holds the stepped clock's time: %s", f.Targets["web"].Policy.LastScaleUp)
}

// wallOnly reports whether t has no monotonic clock reading: Round(0)
// drops only that reading, and == (unlike Equal) compares it.
func wallOnly(t time.Time) bool {
	return t == t.Round(0) //nolint:staticcheck // QF1009: Equal would ignore the monotonic reading this tells apart
}

// The calm hold's memory: one of another version, with times out of
// order or negative wanted units is dropped (the hold starts afresh), a
// consistent one kept; a clock step moves its times, not the file's
// copy of another target (a fresh value).
func TestCalmMemory(t *testing.T) {
	good := Calm{Version: CalmVersion, At: 1000, On: true, Since: 400, Events: []int64{500, 900}, Wanted: []int{3, 4}}
	for _, c := range []struct {
		name string
		edit func(*Calm)
		msg  string
	}{
		{"another version", func(c *Calm) { c.Version = 2 }, "calm memory version 2, want 1: dropped (the calm hold starts afresh)"},
		{"events out of order", func(c *Calm) { c.Events = []int64{900, 500} }, "calm memory times out of order: dropped (the calm hold starts afresh)"},
		{"an event after its time", func(c *Calm) { c.Events = []int64{500, 1100} }, "calm memory times out of order: dropped (the calm hold starts afresh)"},
		{"since after its time", func(c *Calm) { c.Since = 1001 }, "calm memory times out of order: dropped (the calm hold starts afresh)"},
		{"negative wanted", func(c *Calm) { c.Wanted = []int{3, -1} }, "calm memory negative wanted units: dropped (the calm hold starts afresh)"},
	} {
		m := good
		c.edit(&m)
		tg := Target{Calm: &m}
		require.Equal(t, []string{c.msg}, tg.Sanitize(1, 10), c.name)
		require.Nil(t, tg.Calm, c.name)
	}
	tg := Target{Calm: &good}
	require.Empty(t, tg.Sanitize(1, 10))
	require.Equal(t, &good, tg.Calm)

	tg.Shift(-100 * time.Second)
	require.Equal(t, &Calm{Version: CalmVersion, At: 900, On: true, Since: 300, Events: []int64{400, 800}, Wanted: []int{3, 4}}, tg.Calm)
	require.Equal(t, []int64{500, 900}, good.Events, "the shifted memory is a copy")
	none := Target{Calm: &Calm{Version: CalmVersion, At: 1000}}
	none.Shift(time.Hour)
	require.Equal(t, int64(1000+3600), none.Calm.At)
	require.Zero(t, none.Calm.Since, "no HPA-curve event: stays none")
}

// goodShadow is a shadow memory Sanitize(1, 10) keeps.
func goodShadow() Shadow {
	return Shadow{Version: ShadowVersion, At: 1000, Started: 400, Demand: 35, Pick: 0,
		Forecaster: Run{Ready: 3, Pending: []float64{1200}, Cost: 10, Viol: 1},
		FcPolicy:   policy.State{LastDesired: 4, HasLast: true, Recent: []policy.Recommendation{{At: time.Unix(900, 0), Units: 4}}},
		Own:        Run{Ready: 4, Cost: 12},
		HPAs: []HPARun{{Run: Run{Ready: 5, Cost: 15}, Last: 5, Events: 1.5, LastEvent: 900,
			Window: []Rec{{At: 900, Raw: 5}, {At: 1000, Raw: 4}}}},
		Pace:  Pace{Cost: 12, Events: 2, Counted: 1000},
		Steps: Steps{At: 1000, Last: 35, Has: true, LastDiff: 0.5, HasDiff: true, Wobble: []float64{0.1, 0.2}, Climb: []float64{0.5, -0.5}}}
}

// The shadow runs' memory: one of another version, with a number not
// finite or negative, times out of order, units outside the target's
// bounds (they have changed since), a pick that is no shadow HPA or a
// forecaster's policy state out of bounds is dropped (the runs start
// afresh), a consistent one kept; a clock step moves its times, in a
// copy.
func TestShadowMemory(t *testing.T) {
	const drop = ": dropped (the shadow runs start afresh)"
	for _, c := range []struct {
		name string
		edit func(*Shadow)
		msg  string
	}{
		{"another version", func(s *Shadow) { s.Version = ShadowVersion + 1 }, "version 3, want 2"},
		{"unreadable runs", func(s *Shadow) { s.bad = "runs: truncated" }, "runs: truncated"},
		{"a negative score", func(s *Shadow) { s.HPAs[0].Viol = -1 }, "a number not finite or negative"},
		{"negative pace events", func(s *Shadow) { s.Pace.Events = -1 }, "a number not finite or negative"},
		{"a negative wobble", func(s *Shadow) { s.Steps.Wobble = []float64{-0.1} }, "a number not finite or negative"},
		{"negative ready units", func(s *Shadow) { s.Own.Ready = -1 }, "a number not finite or negative"},
		{"pending out of order", func(s *Shadow) { s.Forecaster.Pending = []float64{1300, 1200} }, "times out of order"},
		{"a window out of order", func(s *Shadow) { s.HPAs[0].Window = []Rec{{At: 1000, Raw: 4}, {At: 900, Raw: 5}} }, "times out of order"},
		{"an event after its time", func(s *Shadow) { s.HPAs[0].LastEvent = 1001 }, "times out of order"},
		{"a step after its time", func(s *Shadow) { s.Steps.At = 1001 }, "times out of order"},
		{"started after its time", func(s *Shadow) { s.Started = 1001 }, "times out of order"},
		{"a pick past the HPAs", func(s *Shadow) { s.Pick = 1 }, "pick 1 of 1 shadow HPAs"},
		{"an HPA above max", func(s *Shadow) { s.HPAs[0].Last = 11 }, "units outside [1, 10]"},
		{"a pool above max", func(s *Shadow) { s.Own.Ready = 10; s.Own.Pending = []float64{1100} }, "units outside [1, 10]"},
		{"a pool below min", func(s *Shadow) { s.Forecaster = Run{} }, "units outside [1, 10]"},
		{"the forecaster's policy above max", func(s *Shadow) { s.FcPolicy.LastDesired = 11 }, "forecaster's policy state out of bounds"},
		{"negative HPA events", func(s *Shadow) { s.HPAs[0].Events = -1 }, "a number not finite or negative"},
		{"a manual override in the forecaster's policy", func(s *Shadow) { s.FcPolicy.Manual = &policy.Override{Units: 3} }, "forecaster's policy state out of bounds"},
	} {
		m := goodShadow()
		c.edit(&m)
		tg := Target{Shadow: &m}
		require.Equal(t, []string{"shadow memory " + c.msg + drop}, tg.Sanitize(1, 10), c.name)
		require.Nil(t, tg.Shadow, c.name)
	}
	good := goodShadow()
	tg := Target{Shadow: &good}
	require.Empty(t, tg.Sanitize(1, 10))
	require.Equal(t, goodShadow(), *tg.Shadow, "kept unchanged")

	tg.Shift(-100 * time.Second)
	want := goodShadow()
	want.At, want.Started, want.Pace.Counted, want.Steps.At = 900, 300, 900, 900
	want.Forecaster.Pending = []float64{1100}
	want.FcPolicy.Recent[0].At = time.Unix(800, 0)
	want.HPAs[0].LastEvent, want.HPAs[0].Window = 800, []Rec{{At: 800, Raw: 5}, {At: 900, Raw: 4}}
	require.Equal(t, want.FcPolicy.Recent[0].At.Unix(), tg.Shadow.FcPolicy.Recent[0].At.Unix())
	tg.Shadow.FcPolicy.Recent[0].At = want.FcPolicy.Recent[0].At // the same instant, read without its location
	require.Equal(t, want, *tg.Shadow)
	require.Equal(t, goodShadow(), good, "the shifted memory is a copy")
	none := Target{Shadow: &Shadow{Version: ShadowVersion, At: 1000, HPAs: []HPARun{{Last: 1}}}}
	none.Shift(time.Hour)
	require.Zero(t, none.Shadow.HPAs[0].LastEvent, "no HPA event: stays none")
	require.Zero(t, none.Shadow.Steps.At, "no step: stays none")
}

// The usage window holds the units observed demand used, 0 when there
// was none (policy.Target.UnitsFor): kept as read, without a warning. It
// was clamped to min_units with 'used units 0 outside [1, 10]: 1' at every
// restart of a target idle within its usage window, and the shadow runs'
// memory, whose forecaster's state holds the same window, was dropped.
func TestSanitizeKeepsUnusedCapacity(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	used := []policy.Recommendation{{At: at, Units: 0}, {At: at, Units: 2}}
	sh := goodShadow()
	sh.FcPolicy.Used = slices.Clone(used)
	tg := Target{Policy: policy.State{LastDesired: 1, HasLast: true, Used: slices.Clone(used)}, Shadow: &sh}
	require.Empty(t, tg.Sanitize(1, 10))
	require.Equal(t, used, tg.Policy.Used)
	require.NotNil(t, tg.Shadow)
	require.Equal(t, used, tg.Shadow.FcPolicy.Used)
}

// TestSaveThroughSymlink: a state file that is a symbolic link (into
// another directory: a mounted volume) has each save written to the file
// it names, through a temporary file beside that file, and stays a link;
// Load reads it through the link, and New removes a stale temporary file
// left beside it (and one of version 0.1.0's names in the data
// directory). Renamed over, the link became a regular file in the data
// directory and the file it named kept the old state.
func TestSaveThroughSymlink(t *testing.T) {
	dir, vol := t.TempDir(), t.TempDir()
	target := filepath.Join(vol, "state.json")
	require.NoError(t, os.Symlink(target, filepath.Join(dir, FileName)))
	require.NoError(t, os.WriteFile(filepath.Join(vol, ".state.tmp-9.json"), nil, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName+".tmp-9"), nil, 0o600))
	other := filepath.Join(vol, ".other.tmp-9.json") // another store's, saving
	require.NoError(t, os.WriteFile(other, nil, 0o600))
	s, err := New(dir)
	require.NoError(t, err)
	require.Equal(t, 2, s.RemovedTemp(), "the temporary files beside the link's file and 0.1.0's")
	require.NoError(t, os.Remove(other), "another file's temporary file is left alone")
	for _, units := range []int{3, 4} {
		f := File{Targets: map[string]Target{"web": {Policy: policy.State{LastDesired: units}}}}
		require.NoError(t, s.Save(f))
		to, err := os.Readlink(filepath.Join(dir, FileName))
		require.NoError(t, err, "still a link")
		require.Equal(t, target, to)
		got, err := s.Load()
		require.NoError(t, err)
		require.Equal(t, units, got.Targets["web"].Policy.LastDesired)
	}
	for _, d := range []string{dir, vol} {
		ents, err := os.ReadDir(d)
		require.NoError(t, err)
		require.Len(t, ents, 1, "no temporary file left in %s", d)
	}
}

// loadWritten writes b as the state file of a new data directory and
// loads it with a Store of that directory, which it returns with the file.
func loadWritten(t *testing.T, b []byte) (*Store, File) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), b, 0o600))
	s, err := New(dir)
	require.NoError(t, err)
	f, err := s.Load()
	require.NoError(t, err)
	return s, f
}
