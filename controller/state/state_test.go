package state

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
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
		{"corrupt", "{", "unexpected end of JSON input"},
		{"wrong version", `{"version": 99}`, "version 99, want 1"},
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
