package clockstep

import (
	"bytes"
	"log/slog"
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
	file := func(saved time.Time) state.File {
		return state.File{SavedAt: saved, Targets: map[string]state.Target{
			"web": {Policy: policy.State{LastScaleUp: saved.Add(-time.Minute)}}}}
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	f := file(t0.Add(MaxSkew))
	FromTheFuture(&f, t0, log, "state.json")
	require.Equal(t, t0.Add(MaxSkew), f.SavedAt)
	require.Empty(t, logs.String())

	f = file(t0.Add(24 * time.Hour))
	FromTheFuture(&f, t0, log, "state.json")
	require.Equal(t, t0, f.SavedAt)
	require.Equal(t, t0.Add(-time.Minute), f.Targets["web"].Policy.LastScaleUp)
	require.Contains(t, logs.String(), "state file saved in the future")
	require.Contains(t, logs.String(), "ahead=24h0m0s")

	// Saved in year 9999: the difference saturates a time.Duration
	// (about 292 years), which logged ahead=2562047h47m16s.
	logs.Reset()
	f = file(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	FromTheFuture(&f, t0, log, "state.json")
	require.Contains(t, logs.String(), `ahead="more than 7973 years"`)
	require.Contains(t, logs.String(), "saved_at=9999-12-31T00:00:00Z")
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
