package backtest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
)

func labels(ticks []plot.Tick) []string {
	var out []string
	for _, tk := range ticks {
		if tk.Label != "" {
			out = append(out, tk.Label)
		}
	}
	return out
}

func unix(s string) float64 {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return float64(t.Unix())
}

// TestCalendarTicks pins the time axis of the backtest plot: labels at
// round UTC times (plot.DefaultTicks put NASA's July at 07-03 05:40,
// 07-14 19:26 and 07-26 09:13).
func TestCalendarTicks(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           []string
	}{
		{"a month: weeks from Monday", "1995-07-01 00:00", "1995-07-28 23:59",
			[]string{"1995-07-03", "1995-07-10", "1995-07-17", "1995-07-24"}},
		{"five and a half days: midnights", "2014-05-13 16:53", "2014-05-19 06:13",
			[]string{"2014-05-14", "2014-05-15", "2014-05-16", "2014-05-17", "2014-05-18", "2014-05-19"}},
		{"72 hours: every 12 hours", "2023-12-02 23:00", "2023-12-05 22:00",
			[]string{"12-03 00:00", "12-03 12:00", "12-04 00:00", "12-04 12:00", "12-05 00:00", "12-05 12:00"}},
		{"an hour: every 10 minutes", "2014-05-19 05:14", "2014-05-19 06:13",
			[]string{"05-19 05:20", "05-19 05:30", "05-19 05:40", "05-19 05:50", "05-19 06:00", "05-19 06:10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, labels(calendarTicks{}.Ticks(unix(tc.from), unix(tc.to))))
		})
	}
}

// TestCalendarTicksBounds checks ranges from ten seconds to two years: some
// labels, and up to the longest step's reach at most maxTimeLabels, every
// tick inside the range and no minor tick on a labelled one.
func TestCalendarTicksBounds(t *testing.T) {
	lo := unix("2026-03-02 10:17") + 7 // off the minute: ten seconds hold no whole minute
	for span := 10 * time.Second; span < 2*365*24*time.Hour; span = span * 5 / 4 {
		ticks := calendarTicks{}.Ticks(lo, lo+span.Seconds())
		require.NotEmpty(t, labels(ticks), "span %v", span)
		if span > 8*28*24*time.Hour || span < time.Minute {
			continue // beyond the steps (or between two minutes): plot.TimeTicks's
		}
		require.LessOrEqual(t, len(labels(ticks)), maxTimeLabels, "span %v: %v", span, labels(ticks))
		seen := map[float64]bool{}
		for _, tk := range ticks {
			require.False(t, seen[tk.Value], "span %v: two ticks at %v", span, tk.Value)
			seen[tk.Value] = true
			require.True(t, tk.Value >= lo && tk.Value <= lo+span.Seconds(), "span %v: tick %v outside the range", span, tk.Value)
		}
	}
}

// TestCalendarTicksOnTheHour: a range starting on a round time and
// exactly maxTimeLabels steps long (--plot-last 24h of a trace ending at
// midnight) holds one mark more than the steps; it still gets at most
// maxTimeLabels labels (it got 9 every 3 hours).
func TestCalendarTicksOnTheHour(t *testing.T) {
	for _, tc := range [][2]string{
		{"2026-03-02 00:00", "2026-03-03 00:00"},
		{"2026-03-02 10:00", "2026-03-02 18:00"},
		{"2026-03-02 00:00", "2026-03-04 00:00"},
		{"2026-03-02 10:00", "2026-03-02 10:08"},
	} {
		got := labels(calendarTicks{}.Ticks(unix(tc[0]), unix(tc[1])))
		require.NotEmpty(t, got, "%v", tc)
		require.LessOrEqual(t, len(got), maxTimeLabels, "%v: %v", tc, got)
	}
}

// TestPlainTicks: the y axis is labelled without zeros after the decimal
// point (plot.DefaultTicks labelled NASA's demand 0.00, 250.00, 500.00),
// and keeps the digits that matter.
func TestPlainTicks(t *testing.T) {
	require.Equal(t, []string{"0", "250", "500"}, labels(plainTicks{}.Ticks(0, 520)))
	require.Equal(t, []string{"0", "1000", "2000"}, labels(plainTicks{}.Ticks(0, 2100)))
	for _, hi := range []float64{0.0031, 0.7, 1.3, 7.5, 26, 1e6, 3.3e9} {
		got := labels(plainTicks{}.Ticks(0, hi))
		require.GreaterOrEqual(t, len(got), 2, "up to %g: %v", hi, got)
		for _, l := range got {
			require.False(t, strings.Contains(l, ".") && (strings.HasSuffix(l, "0") || strings.HasSuffix(l, ".")),
				"up to %g: label %q", hi, l)
		}
		require.Len(t, slices.Compact(slices.Clone(got)), len(got), "up to %g: labels %v repeat", hi, got)
	}
}
