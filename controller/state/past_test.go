package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestClampPast: a time of a past event after the file's saved_at (a
// hand-edited or corrupt file) is moved to saved_at with a message, the
// calm hold's or the shadow runs' memory with one is dropped; a manual
// override's end, the previous forecast's time and the decisions, future
// or history by design, stay, and so does everything at or before
// saved_at. A last_scale_up years on held every scale-up for years.
func TestClampPast(t *testing.T) {
	saved := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	later := saved.AddDate(10, 0, 0)
	const at = " 2036-12-05T18:00:00Z after saved_at 2026-12-05T18:00:00Z: 2026-12-05T18:00:00Z"
	for _, c := range []struct {
		name       string
		edit, want func(*Target)
		msg        string
	}{
		{"last_scale_up", func(tg *Target) { tg.Policy.LastScaleUp = later }, func(tg *Target) { tg.Policy.LastScaleUp = saved }, "last_scale_up" + at},
		{"last_scale_down", func(tg *Target) { tg.Policy.LastScaleDown = later }, func(tg *Target) { tg.Policy.LastScaleDown = saved }, "last_scale_down" + at},
		{"resumed", func(tg *Target) { tg.Policy.Resumed = later }, func(tg *Target) { tg.Policy.Resumed = saved }, "resumed" + at},
		{"recent", func(tg *Target) { tg.Policy.Recent[1].At = later }, func(tg *Target) { tg.Policy.Recent[1].At = saved }, "recent at" + at},
		{"used", func(tg *Target) { tg.Policy.Used[0].At = later }, func(tg *Target) { tg.Policy.Used[0].At = saved }, "used at" + at},
		{"cancelled", func(tg *Target) { tg.Policy.Manual.Cancelled = later }, func(tg *Target) { tg.Policy.Manual.Cancelled = saved }, "manual override cancelled" + at},
		{"cost_at", func(tg *Target) { tg.CostAt = later }, func(tg *Target) { tg.CostAt = saved }, "cost_at" + at},
		{"pending", func(tg *Target) { tg.Pending.Since = later }, func(tg *Target) { tg.Pending.Since = saved }, "pending since" + at},
		{"calm", func(tg *Target) { tg.Calm.At = later.Unix() }, func(tg *Target) { tg.Calm = nil },
			"calm memory at 2036-12-05T18:00:00Z after saved_at 2026-12-05T18:00:00Z: dropped (the calm hold starts afresh)"},
		{"shadow", func(tg *Target) { tg.Shadow.At = later.Unix() }, func(tg *Target) { tg.Shadow = nil },
			"shadow memory at 2036-12-05T18:00:00Z after saved_at 2026-12-05T18:00:00Z: dropped (the shadow runs start afresh)"},
		{"the shadow's forecaster", func(tg *Target) { tg.Shadow.FcPolicy.LastScaleUp = later }, func(tg *Target) { tg.Shadow = nil },
			"shadow memory at 2026-12-05T17:59:00Z after saved_at 2026-12-05T18:00:00Z: dropped (the shadow runs start afresh)"},
		// Future by design: kept.
		{"until", func(tg *Target) { tg.Policy.Manual.Until = later }, func(tg *Target) { tg.Policy.Manual.Until = later }, ""},
		{"prev_forecast_at", func(tg *Target) { tg.PrevForecastAt = later }, func(tg *Target) { tg.PrevForecastAt = later }, ""},
		{"a decision", func(tg *Target) { tg.Decisions[0].Explanation.Now = later }, func(tg *Target) { tg.Decisions[0].Explanation.Now = later }, ""},
		{"at saved_at", func(tg *Target) { tg.Policy.LastScaleUp = saved }, func(tg *Target) { tg.Policy.LastScaleUp = saved }, ""},
		{"calm at saved_at", func(tg *Target) { tg.Calm.At = saved.Unix() }, func(tg *Target) { tg.Calm.At = saved.Unix() }, ""},
		{"shadow at saved_at", func(tg *Target) { tg.Shadow.At = saved.Unix() }, func(tg *Target) { tg.Shadow.At = saved.Unix() }, ""},
	} {
		tg, want := pastTarget(saved), pastTarget(saved)
		c.edit(&tg)
		c.want(&want)
		msgs := tg.ClampPast(saved)
		if c.msg == "" {
			require.Empty(t, msgs, c.name)
		} else {
			require.Equal(t, []string{c.msg}, msgs, c.name)
		}
		require.Equal(t, want, tg, c.name)
	}
	tg := pastTarget(saved)
	tg.Policy.LastScaleUp = later
	require.Empty(t, tg.ClampPast(time.Time{}), "no saved_at: nothing checked")
}

// pastTarget is a target whose every time is a minute before saved.
func pastTarget(saved time.Time) Target {
	b := saved.Add(-time.Minute)
	s := goodShadow()
	s.At, s.FcPolicy.LastScaleUp = b.Unix(), b
	return Target{
		Policy: policy.State{LastScaleUp: b, LastScaleDown: b, Resumed: b,
			Recent: []policy.Recommendation{{At: b, Units: 3}, {At: b, Units: 4}}, Used: []policy.Recommendation{{At: b, Units: 2}},
			Manual: &policy.Override{Units: 4, Until: saved.Add(time.Hour), Cancelled: b}},
		CostAt: b, PrevForecastAt: saved.Add(time.Minute), Pending: &Pending{Since: b, Current: 2},
		Decisions: []policy.Decision{{Desired: 3, Explanation: policy.Explanation{Now: b}}},
		Calm:      &Calm{Version: CalmVersion, At: b.Unix()},
		Shadow:    &s,
	}
}
