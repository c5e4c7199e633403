package outage

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOneWarnPerOutage: retries at 1 s, 2 s, 4 s ... log one WARN, DEBUG
// lines while the outage lasts and one INFO with its duration at the end.
func TestOneWarnPerOutage(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var tr Tracker
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	require.False(t, tr.OK(log, t0, "up"), "no outage to end")
	require.Empty(t, buf.String())

	now := t0
	for i, d := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second} {
		now = now.Add(d)
		require.Equal(t, i == 0, tr.Fail(log, now, errors.New("connection refused"), "source down", "source", "x"))
	}
	require.True(t, tr.Failing())
	require.Equal(t, t0, tr.Since)
	require.Equal(t, 4, tr.Failures)
	require.Equal(t, "connection refused", tr.LastErr)
	require.True(t, tr.OK(log, now.Add(3*time.Second), "source recovered", "source", "x"))
	require.False(t, tr.Failing())
	require.Equal(t, Tracker{}, tr)

	out := buf.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="source down" source=x err="connection refused"`)
	require.Equal(t, 3, strings.Count(out, "level=DEBUG"), out)
	require.Contains(t, out, "failures=4")
	require.Contains(t, out, `level=INFO msg="source recovered" source=x failing_for=10s failed_attempts=4`)

	buf.Reset()
	require.True(t, tr.Fail(log, now, errors.New("again"), "source down"), "a new outage warns again")
	require.Contains(t, buf.String(), "level=WARN")
}

// TestLostSamples: the samples an outage lost (Lose) add up over its
// failures and are given as samples_lost in the INFO that ends it, zero
// included; the next outage counts from zero, and an outage that lost
// nothing it was told of gives no samples_lost.
func TestLostSamples(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var tr Tracker
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	fail := func(now time.Time, lost int) {
		tr.Lose(lost)
		tr.Fail(log, now, errors.New("disk full"), "store refusing")
	}
	fail(t0, 3)
	fail(t0.Add(15*time.Second), 2)
	require.Equal(t, 5, tr.Lost)
	require.True(t, tr.OK(log, t0.Add(30*time.Second), "storing again", "series", "y"))
	require.Contains(t, buf.String(), `level=INFO msg="storing again" series=y samples_lost=5 failing_for=30s failed_attempts=2`)
	require.Equal(t, Tracker{}, tr)

	buf.Reset()
	fail(t0.Add(time.Minute), 1)
	tr.OK(log, t0.Add(75*time.Second), "storing again")
	require.Contains(t, buf.String(), `level=INFO msg="storing again" samples_lost=1 failing_for=15s failed_attempts=1`)

	buf.Reset()
	fail(t0.Add(2*time.Minute), 0)
	tr.OK(log, t0.Add(135*time.Second), "storing again")
	require.Contains(t, buf.String(), `level=INFO msg="storing again" samples_lost=0 failing_for=15s`)

	buf.Reset()
	tr.Fail(log, t0.Add(3*time.Minute), errors.New("down"), "source down")
	tr.OK(log, t0.Add(195*time.Second), "source back")
	require.Contains(t, buf.String(), `level=INFO msg="source back" failing_for=15s failed_attempts=1`)
}

// TestFirstSeen: First keeps the time a problem was first seen while it
// lasts, through the outage it becomes; OK clears it, whether or not the
// problem had become an outage, so the next problem counts from its own
// start.
func TestFirstSeen(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var tr Tracker
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	require.Equal(t, t0, tr.First(t0))
	require.Equal(t, t0, tr.First(t0.Add(30*time.Second)), "still the first sighting")
	require.False(t, tr.OK(log, t0.Add(40*time.Second), "back"), "within its grace: no outage ended")
	require.Empty(t, buf.String())
	t1 := t0.Add(time.Minute)
	require.Equal(t, t1, tr.First(t1), "OK cleared the earlier sighting")
	require.True(t, tr.Fail(log, t1.Add(time.Minute), errors.New("gone"), "no data"))
	require.Equal(t, t1, tr.First(t1.Add(2*time.Minute)), "kept through the outage")
	require.True(t, tr.OK(log, t1.Add(3*time.Minute), "back"))
	require.Equal(t, Tracker{}, tr)
}

// TestGraceCountsInTheOutage: a problem given a grace period (First at
// each failure, Fail once it has lasted a minute) is an outage from its
// first sighting: the INFO ending it gives the whole time and every
// failure. It said failing_for=15s failed_attempts=3 for a target whose
// data was missing 1m15s over 15 cycles of 5 s (tried live), the grace
// left out. A problem without a grace counts from its Fail as before.
func TestGraceCountsInTheOutage(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var tr Tracker
	t0 := time.Date(2026, 12, 7, 21, 39, 25, 0, time.UTC)
	now := t0
	for ; now.Sub(tr.First(now)) < time.Minute; now = now.Add(5 * time.Second) {
	}
	require.True(t, tr.Fail(log, now, errors.New("stale"), "no fresh data"))
	for range 2 {
		now = now.Add(5 * time.Second)
		require.Equal(t, t0, tr.First(now))
		tr.Fail(log, now, errors.New("stale"), "no fresh data")
	}
	require.True(t, tr.OK(log, now.Add(5*time.Second), "data back"))
	require.Contains(t, buf.String(), `level=INFO msg="data back" failing_for=1m15s failed_attempts=15`)

	buf.Reset()
	require.True(t, tr.Fail(log, t0, errors.New("down"), "source down"))
	require.True(t, tr.OK(log, t0.Add(15*time.Second), "source back"))
	require.Contains(t, buf.String(), `level=INFO msg="source back" failing_for=15s failed_attempts=1`)
}

// TestGroupFewAndMany: up to Few members starting (ending) in a round log
// a line each, as a Tracker does; more log one line with their count and
// the first Few names, each member at DEBUG; a failure of an outage under
// way is DEBUG at once.
func TestGroupFewAndMany(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g := Group{Key: "target", Few: 2, FailMsg: "down", OKMsg: "back", ManyFailMsg: "many down", ManyOKMsg: "many back"}
	trs := make([]Tracker, 5)
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	round := func(now time.Time, failing ...bool) string {
		buf.Reset()
		for i, f := range failing {
			if f {
				g.Fail(log, &trs[i], now, errors.New("no data"), string(rune('a'+i)), "query", "q")
			} else {
				g.OK(&trs[i], now, string(rune('a'+i)))
			}
		}
		g.Flush(log)
		return buf.String()
	}
	out := round(t0, true, true, false, false, false)
	require.Equal(t, 2, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg=down target=b query=q err="no data"`)
	require.NotContains(t, out, "many")

	out = round(t0.Add(time.Minute), true, true, true, true, true)
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="many down" targets=3 first="c, d" err="no data"`)
	require.Equal(t, 5, strings.Count(out, "level=DEBUG"), out) // a, b under way; c, d, e grouped

	out = round(t0.Add(2*time.Minute), false, false, false, false, false)
	require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	require.Contains(t, out, `level=INFO msg="many back" targets=5 first="a, b" failing_for=2m0s failed_attempts=2`)
	require.Contains(t, out, `level=DEBUG msg=back target=e failing_for=1m0s failed_attempts=1`)

	round(t0.Add(3*time.Minute), true, false, false, false, false)
	out = round(t0.Add(4*time.Minute), false, false, false, false, false)
	require.Equal(t, "level=INFO msg=back target=a failing_for=1m0s failed_attempts=1", strings.TrimSpace(out[strings.Index(out, "level="):]))
}
