package backtest

import (
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
)

// maxTimeLabels is the most labelled ticks calendarTicks puts on the time
// axis (its labels are about 2 cm wide on the 30 cm of data).
const maxTimeLabels = 8

// tickSteps are the labelled tick steps calendarTicks chooses from, each
// with the step of its unlabelled minor ticks (0: none).
var tickSteps = []struct{ major, minor time.Duration }{
	{time.Minute, 0},
	{2 * time.Minute, time.Minute},
	{5 * time.Minute, time.Minute},
	{10 * time.Minute, 5 * time.Minute},
	{15 * time.Minute, 5 * time.Minute},
	{30 * time.Minute, 10 * time.Minute},
	{time.Hour, 15 * time.Minute},
	{2 * time.Hour, 30 * time.Minute},
	{3 * time.Hour, time.Hour},
	{6 * time.Hour, time.Hour},
	{12 * time.Hour, 3 * time.Hour},
	{24 * time.Hour, 6 * time.Hour},
	{2 * 24 * time.Hour, 12 * time.Hour},
	{7 * 24 * time.Hour, 24 * time.Hour},
	{14 * 24 * time.Hour, 7 * 24 * time.Hour},
	{28 * 24 * time.Hour, 7 * 24 * time.Hour},
}

// mondayOffset is how far the first Monday after the unix epoch (a
// Thursday) lies from it: weekly ticks fall on Mondays.
const mondayOffset = 4 * 24 * 60 * 60

// calendarTicks marks a time axis in unix seconds at round UTC times: every
// minute, hour, day or week that gives at most maxTimeLabels labels, days
// at midnight and weeks on Mondays, where plot.DefaultTicks put them at
// round numbers of seconds (07-03 05:40, 07-14 19:26, 07-26 09:13 on a
// month). A range longer than the longest step allows, or one under a
// minute without a whole minute in it, is left to plot.TimeTicks.
type calendarTicks struct{}

// Ticks implements plot.Ticker.
func (calendarTicks) Ticks(lo, hi float64) []plot.Tick {
	for _, s := range tickSteps {
		step := s.major.Seconds()
		if (hi-lo)/step > maxTimeLabels {
			continue
		}
		layout := "01-02 15:04"
		if s.major >= 24*time.Hour {
			layout = "2006-01-02"
		}
		labelled := marks(lo, hi, step, s.major, layout)
		if len(labelled) == 0 {
			break // under a minute, between two whole minutes
		}
		if len(labelled) > maxTimeLabels {
			continue // maxTimeLabels steps from a mark: one mark more
		}
		if s.minor > 0 {
			labelled = append(marks(lo, hi, s.minor.Seconds(), s.major, ""), labelled...)
		}
		return labelled
	}
	if hi-lo < 60 {
		return plot.TimeTicks{Format: "01-02 15:04:05"}.Ticks(lo, hi)
	}
	return plot.TimeTicks{Format: "2006-01-02"}.Ticks(lo, hi)
}

// marks returns ticks at the multiples of step (weeks from a Monday) in
// [lo, hi], labelled by layout ("": unlabelled minor ticks; those at a
// labelled tick are left out).
func marks(lo, hi, step float64, major time.Duration, layout string) []plot.Tick {
	offset := 0.0
	if major >= 7*24*time.Hour {
		offset = mondayOffset
	}
	var out []plot.Tick
	for v := math.Ceil((lo-offset)/step)*step + offset; v <= hi; v += step {
		if layout == "" {
			if math.Mod(v-offset, major.Seconds()) != 0 {
				out = append(out, plot.Tick{Value: v})
			}
			continue
		}
		out = append(out, plot.Tick{Value: v, Label: time.Unix(int64(v), 0).UTC().Format(layout)})
	}
	return out
}

// plainTicks are plot.DefaultTicks with the zeros after a label's
// decimal point dropped: it labelled a step of 250 as 0.00, 250.00,
// 500.00 and one of 1000 as 0, 1000, 2000, on one y axis of the same plot.
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, tk := range ticks {
		if strings.Contains(tk.Label, ".") && !strings.ContainsAny(tk.Label, "eE") {
			ticks[i].Label = strings.TrimSuffix(strings.TrimRight(tk.Label, "0"), ".")
		}
	}
	return ticks
}
