package actuation

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
)

// down is a receiver every delivery to which fails, named as the
// controller tests' recorder.
type down struct{}

func (down) Name() string { return "recorder" }

func (down) Deliver(context.Context, actuator.Action) error { return errors.New("HTTP 500") }

// TestShutdownWarnNamesTheFirstThree: the shutdown WARN counts every
// target whose desired units are not acknowledged, over every actuator,
// and names the first three (by name), so one line stays short with many.
func TestShutdownWarnNamesTheFirstThree(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 3, 2, 12, 0, 30, 0, time.UTC) }
	l := actuator.NewLevel(down{}, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(prometheus.NewRegistry())})
	for i, name := range []string{"d", "a", "c", "b"} {
		require.Error(t, l.Act(t.Context(), actuator.Action{Target: name, Desired: i + 2}))
	}
	var logs strings.Builder
	Set{Levels: []*actuator.Level{l}, Log: slog.New(slog.NewTextHandler(&logs, nil))}.LogPending()
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
	require.Contains(t, logs.String(), `pending=4 first="a: 3 desired, none acknowledged by recorder; b: 5 desired, none acknowledged by recorder; c: 4 desired, none acknowledged by recorder"`)
}

// up is a receiver every delivery to which succeeds.
type up struct{ got []actuator.Action }

func (*up) Name() string { return "recorder" }

func (u *up) Deliver(_ context.Context, a actuator.Action) error {
	u.got = append(u.got, a)
	return nil
}

// TestModeAloneDecidesActing: the mode's name is the one fact; act
// mode delivers the decision and logs `scaling`, forecast-only delivers
// nothing and logs a `recommendation` naming its mode. Set once held a
// separate Acting flag, which a Set built from the mode alone left false:
// an act-mode controller would have delivered nothing.
func TestModeAloneDecidesActing(t *testing.T) {
	tgt := policy.Target{Name: "api", MinUnits: 1}
	dec := policy.Decision{Desired: 4, Reason: policy.ReasonForecast}
	for _, tc := range []struct {
		mode, log string
		sent      int
	}{
		{"act", `msg=scaling target=api from=2 to=4 reason=forecast`, 1},
		{"forecast-only", `msg=recommendation target=api from=2 to=4 reason=forecast acted=false mode=forecast-only`, 0},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			r := &up{}
			l := actuator.NewLevel(r, actuator.LevelConfig{Inline: true, Metrics: actuator.NewMetrics(prometheus.NewRegistry())})
			var logs strings.Builder
			s := Set{Levels: []*actuator.Level{l}, Mode: tc.mode, Log: slog.New(slog.NewTextHandler(&logs, nil))}
			s.Act(t.Context(), tgt, dec, 2, 2)
			require.Len(t, r.got, tc.sent)
			require.Contains(t, logs.String(), tc.log)
		})
	}
}
