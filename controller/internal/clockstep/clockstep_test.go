package clockstep

import (
	"bytes"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// A state file saved more than MaxSkew after now has its times moved back
// by the difference and its save time set to now, with a WARN; one saved
// within MaxSkew is left as it is.
func TestFromTheFuture(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	f := savedAt(t0.Add(MaxSkew))
	require.NoError(t, FromTheFuture(&f, t0, log, "state.json"))
	require.Equal(t, t0.Add(MaxSkew), f.SavedAt)
	require.Empty(t, logs.String())

	f = savedAt(t0.Add(24 * time.Hour))
	require.NoError(t, FromTheFuture(&f, t0, log, "state.json"))
	require.Equal(t, t0, f.SavedAt)
	require.Equal(t, t0.Add(-time.Minute), f.Targets["web"].Policy.LastScaleUp)
	require.Contains(t, logs.String(), "state file saved in the future")
	require.Contains(t, logs.String(), "ahead=24h0m0s")

	// 250 years ahead, within a time.Duration: moved back exactly.
	logs.Reset()
	f = savedAt(t0.AddDate(250, 0, 0))
	require.NoError(t, FromTheFuture(&f, t0, log, "state.json"))
	require.Equal(t, t0, f.SavedAt)
	require.Equal(t, t0.Add(-time.Minute), f.Targets["web"].Policy.LastScaleUp)
	require.Contains(t, logs.String(), `ahead="more than 249 years"`)
}

// A state file saved in year 9999 is further ahead than a time.Duration
// reaches (about 292 years): an error naming the file and its saved_at,
// saying to move it aside, and the file is left as it is. Its times were
// moved back by the saturated 292 years: its last scale-up stayed in
// year 9707 and held every scale-up for good.
func TestFromTheFarFuture(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	saved := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	f := savedAt(saved)
	err := FromTheFuture(&f, t0, log, "data/state.json")
	require.EqualError(t, err, "state: data/state.json: saved_at 9999-12-31T00:00:00Z is more than 7973 years ahead of this host's clock, "+
		"further than its times can be moved back (about 292 years); "+state.MoveAside)
	require.Equal(t, saved, f.SavedAt)
	require.Equal(t, saved.Add(-time.Minute), f.Targets["web"].Policy.LastScaleUp)
	require.Empty(t, logs.String())

	f = savedAt(t0.Add(time.Duration(math.MaxInt64))) // just within
	require.NoError(t, FromTheFuture(&f, t0, log, "state.json"))
	require.Equal(t, t0.Add(-time.Minute), f.Targets["web"].Policy.LastScaleUp)
	f = savedAt(t0.Add(time.Duration(math.MaxInt64)).Add(time.Nanosecond))
	require.Error(t, FromTheFuture(&f, t0, log, "state.json"))
}

// savedAt is a state file saved at saved whose target scaled up a minute
// before.
func savedAt(saved time.Time) state.File {
	return state.File{SavedAt: saved, Targets: map[string]state.Target{
		"web": {Policy: policy.State{LastScaleUp: saved.Add(-time.Minute)}}}}
}

// aheadText is the difference as a duration up to three years, in whole
// years beyond.
func TestAheadText(t *testing.T) {
	require.Equal(t, "1h30m0s", aheadText(t0.Add(90*time.Minute), t0))
	require.Equal(t, "17520h0m0s", aheadText(t0.Add(2*8760*time.Hour), t0))
	require.Equal(t, "more than 3 years", aheadText(t0.AddDate(3, 0, 1), t0))
	require.Equal(t, "more than 2 years", aheadText(t0.AddDate(3, 0, 0), t0), "3 years to the day: not more")
}

// Back is the wall clock's step back, 0 up to MaxSkew; Shift moves every
// target.
func TestBackAndShift(t *testing.T) {
	require.Zero(t, Back(t0, t0.Add(time.Hour)), "forward")
	require.Zero(t, Back(t0, t0.Add(-MaxSkew)), "within the skew")
	require.Equal(t, time.Hour, Back(t0, t0.Add(-time.Hour)))
	last := time.Now() // with a monotonic reading
	require.Zero(t, Back(last, last.Add(10*time.Second)))
	require.Equal(t, time.Hour, Back(last, last.Round(0).Add(-time.Hour)), "now without a reading: no time elapsed counts")

	ts := map[string]state.Target{"a": {Policy: policy.State{LastScaleDown: t0}}, "b": {}}
	Shift(ts, -time.Hour)
	require.Equal(t, t0.Add(-time.Hour), ts["a"].Policy.LastScaleDown)
	require.True(t, ts["b"].Policy.LastScaleDown.IsZero(), "a zero time stays zero")
}

// A state file saved 30 days ahead keeps, as history, the times of its
// decisions; the entry of a target no longer configured, last decided 8
// days before the save, is pruned after the move back (last seen 8 days
// ago: state.KeepUnconfigured is a week), not kept 30 days more: its
// last decision's time, not moved, said it was decided in 22 days.
func TestFromTheFutureThenPrune(t *testing.T) {
	saved := t0.AddDate(0, 0, 30)
	decided := saved.AddDate(0, 0, -8)
	f := state.File{SavedAt: saved, Targets: map[string]state.Target{"gone": {
		CostAt:    decided,
		Decisions: []policy.Decision{{Desired: 3, Explanation: policy.Explanation{Now: decided}}},
	}}}
	require.NoError(t, FromTheFuture(&f, t0, slog.New(slog.DiscardHandler), "state.json"))
	ts := f.Targets["gone"]
	require.Equal(t, t0.AddDate(0, 0, -8), ts.LastSeen())
	require.Equal(t, decided, ts.Decisions[0].Explanation.Now, "history stays")
	require.Equal(t, []string{"gone"}, f.Prune(func(string) bool { return false }, t0))
}
