package controller

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// The calm hold's memory is saved with the target's state at every cycle
// and resumed by the next process: a controller started on a state file
// whose memory is a minute old is calm at its first decision, with the
// memory's events and wanted units (the oldest of 12 replaced by the new
// decision's); one an hour old (an outage) is not resumed. Before, a
// restart forgot it: the hold waited 12 hours again and, on a calm
// series, made a restarted target's events come back (engine,
// TestCalmResumesAfterRestart).
func TestCalmHoldResumesAfterRestart(t *testing.T) {
	tg := testTarget
	tg.RiskPerUnit = engine.DefaultRiskPerUnit
	wanted := []int{4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5}
	for _, c := range []struct {
		name    string
		age     time.Duration
		resumed bool
	}{{"a minute old", time.Minute, true}, {"an hour old", time.Hour, false}} {
		now := fixtureStart
		dir := t.TempDir()
		st, err := state.New(dir)
		require.NoError(t, err)
		at := now.Add(-c.age).Unix()
		mem := &state.Calm{Version: state.CalmVersion, Target: state.ShadowTarget(tg), At: at, On: true, Since: at - 86400,
			Events: []int64{at - 3000, at - 2000, at - 1000}, Wanted: wanted}
		require.NoError(t, st.Save(state.File{SavedAt: now.Add(-c.age), Targets: map[string]state.Target{
			"web": {Policy: policy.State{LastDesired: 5, HasLast: true}, Calm: mem}}}))
		f := newFixtureFor(t, tg, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
		require.NoError(t, f.c.ReconcileOnce(t.Context()))

		got := f.c.Snapshot().Targets[0].State.Calm
		require.NotNil(t, got, c.name)
		require.Equal(t, now.Unix(), got.At, c.name)
		st2, err := state.New(dir)
		require.NoError(t, err)
		file, err := st2.Load()
		require.NoError(t, err)
		require.Equal(t, got, file.Targets["web"].Calm, "%s: saved with the target's state", c.name)
		if !c.resumed {
			require.False(t, got.On, c.name)
			require.Len(t, got.Wanted, 1, "%s: the new decision's only", c.name)
			continue
		}
		require.True(t, got.On, c.name)
		require.Equal(t, mem.Events, got.Events[:3], c.name)
		require.Len(t, got.Wanted, 12, c.name)
		require.Equal(t, wanted[1:], got.Wanted[:11], "%s: the oldest replaced", c.name)
	}
}
