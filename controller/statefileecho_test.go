package controller

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/redact"
)

// A state file edited by hand holds 5,000-byte strings where the start's
// lines name what it read: the calm hold's and the shadow runs' target
// (their memory dropped, sized at another capacity) and an actuator's
// name (its acknowledgement out of range, forgotten). Each line names
// them cut to redact.MaxEchoed, as every value from outside is; they
// were repeated whole.
func TestStateFileLinesCutTheFileValues(t *testing.T) {
	dir, now := t.TempDir(), fixtureStart
	long := strings.Repeat("x", 5000)
	tg := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now.Add(-time.Minute), Targets: map[string]state.Target{"web": {
		Capacity: 1, Utilization: 1,
		Policy: policy.State{LastDesired: 3, HasLast: true},
		Acked:  map[string]int{"webhook-" + long: -1},
		Calm:   &state.Calm{Version: state.CalmVersion, Target: "capacity 1, lag 5m0s-" + long, At: now.Unix() - 60},
		Shadow: &state.Shadow{Version: state.ShadowVersion, Target: "capacity 1, lag 5m0s-" + long, At: now.Unix() - 60, Pick: -1},
	}}}))

	var logs bytes.Buffer
	deps := testDeps(&fakeHistory{value: 3}, flat(3), st, nil, func() time.Time { return now })
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	_, err = New([]policy.Target{tg}, testOptions(ModeForecastOnly), deps)
	require.NoError(t, err)

	out := logs.String()
	for _, what := range []string{"calm hold's memory, sized at capacity 1, lag 5m0s-xxx", "shadow runs' memory, simulated at capacity 1, lag 5m0s-xxx",
		"acknowledged by webhook-xxx"} {
		require.Contains(t, out, what, "the line is logged")
	}
	require.NotContains(t, out, strings.Repeat("x", redact.MaxEchoed+1), "a value of the file repeated whole")
}
