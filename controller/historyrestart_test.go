package controller

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestDecisionHistoryAfterRestart: after 25 cycles a target keeps its 20
// newest decisions; the state file holds the newest in JSON and the 19
// before it packed, and a controller started on it serves the same 20
// decisions (their JSON, what /api/scaling/status shows) and the same
// state (cooldowns, windows, acknowledged units, costs, pending time)
// before its first cycle.
func TestDecisionHistoryAfterRestart(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	h := &fakeHistory{value: 35}
	f1 := newFixture(t, dir, h, confidentForecast, ModeAct, &now)
	for k := range 25 {
		h.value = 20 + float64(k%7)*9.123456789
		require.NoError(t, f1.c.ReconcileOnce(t.Context()))
		now = now.Add(15*time.Second + time.Duration(k)*time.Millisecond + 7)
	}
	before := f1.c.Snapshot().Targets[0].State
	require.Len(t, before.Decisions, 20)

	raw, err := os.ReadFile(filepath.Join(dir, state.FileName))
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(raw), `"history":"`), "the older decisions packed")
	var older struct {
		Targets map[string]struct {
			Decisions []policy.Decision `json:"decisions"`
		} `json:"targets"`
	}
	require.NoError(t, json.Unmarshal(raw, &older))
	require.Len(t, older.Targets["web"].Decisions, 1, "the newest in JSON, as an earlier version reads it")

	f2 := newFixture(t, dir, h, confidentForecast, ModeAct, &now)
	after := f2.c.Snapshot().Targets[0].State
	want, err := json.Marshal(before.Decisions)
	require.NoError(t, err)
	got, err := json.Marshal(after.Decisions)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got))
	require.Equal(t, before, after)
}
