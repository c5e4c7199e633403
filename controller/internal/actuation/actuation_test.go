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
