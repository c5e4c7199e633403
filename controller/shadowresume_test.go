package controller

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/state"
)

// The shadow runs' memory (the shadow HPAs', the forecaster's and the
// target's own runs, event pacing's record, the demand's steps) is saved
// with the target's state at every cycle and resumed by the next process:
// a controller started on the state file a minute after the last cycle
// goes on from the runs' weighted scores; one started an hour later (an
// outage) starts them afresh, as every restart did before (nothing
// weighted: the engine's comparison of the target with the HPA curve
// started over, docs/tuning.md, "What a restart costs").
func TestShadowRunsResumeAfterRestart(t *testing.T) {
	tg := testTarget
	tg.RiskPerUnit = engine.DefaultRiskPerUnit
	for _, c := range []struct {
		name    string
		age     time.Duration
		oldKeys bool // the memories keyed as the release before wrote them
		resumed bool
	}{{"a minute later", time.Minute, false, true}, {"an hour later", time.Hour, false, false},
		{"an upgrade a minute later", time.Minute, true, true}} {
		now := fixtureStart
		dir := t.TempDir()
		f := newFixtureFor(t, tg, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
		for range 5 {
			require.NoError(t, f.c.ReconcileOnce(t.Context()))
			now = now.Add(time.Minute)
		}
		before := f.c.Snapshot().Targets[0].State.Shadow
		require.NotNil(t, before, c.name)
		require.Positive(t, before.HPAs[0].Cost, c.name)
		st, err := state.New(dir)
		require.NoError(t, err)
		file, err := st.Load()
		require.NoError(t, err)
		require.Equal(t, before, file.Targets["web"].Shadow, "%s: saved with the target's state", c.name)
		if c.oldKeys { // "capacity 10, lag 5m0s": the utilisation not named
			ts := file.Targets["web"]
			ts.Shadow.Target = state.MemoryKey{Capacity: tg.CapacityPerUnit, Lag: tg.Lag}.String()
			ts.Utilization = 0
			file.Targets["web"] = ts
			require.NoError(t, st.Save(file))
		}

		now = now.Add(c.age - time.Minute)
		g := newFixtureFor(t, tg, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
		require.NoError(t, g.c.ReconcileOnce(t.Context()))
		got := g.c.Snapshot().Targets[0].State.Shadow
		require.NotNil(t, got, c.name)
		require.Equal(t, now.Unix(), got.At, c.name)
		if c.resumed {
			require.Greater(t, got.HPAs[0].Cost, before.HPAs[0].Cost, "%s: the runs go on", c.name)
			require.Greater(t, got.Pace.Cost, before.Pace.Cost, c.name)
		} else {
			require.Zero(t, got.HPAs[0].Cost, "%s: afresh", c.name)
			require.Zero(t, got.Pace.Cost, c.name)
		}
	}
}
