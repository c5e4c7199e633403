// Package hourly is the peak ensemble's hour member: the reactive member
// with an hour for its season instead of a day (controller/engine,
// peakEnsemble; docs/tuning.md, "An hour's season").
//
// Cluster and cloud CPU often repeats within the hour (cron jobs, batch
// windows, a backup or a report every hour). The daily members see such
// a cycle only at the same time of past days (the mean over up to seven
// of them), so on a series a few days old, or one whose hourly ramp
// changes in size over the day, the peak distribution meets each ramp as
// a surprise: nab_aws_asg_cpu_5m's first three days were 2.8 times worse
// than the HPA at equal cost, every violated sample the top of a ramp
// that recurs every 12 samples. The hour member's seasonal term is the
// mean of the last seven hours' changes at the same minute of the hour.
// It answers (Selector) only while the series shows a cycle of an hour
// (the autocorrelation of its one-step changes at one hour, over the
// last 12 hours, above CycleACF) and its recent decision loss is Margin
// below every other member's: forgetting the daily season, it also wins
// where the series is constant for a while (its seasonal term is then 0
// after seven hours, the daily members' still echo past days), and on
// noise it wins as often as it loses.
package hourly

import (
	"math"
	"sync"

	"github.com/prescale/prescale/predictor/online"
	"github.com/prescale/prescale/predictor/series"
)

// Hour is the member's season, in seconds.
const Hour = 3600

// minSamples is the fewest samples an hour must hold for the member: an
// hour of one or two samples is the naive member again, and the seasonal
// change needs a few phases to be a cycle (online.Config.Season's least
// for a day is 4 as well).
const minSamples = 4

// Settings of the hour member's selection, chosen on the in-sample sets
// (docs/tuning.md, "An hour's season").
const (
	// Margin is how much lower, relatively, the hour member's recent
	// decision loss must be than every other member's for it to answer
	// (a handicap of 1/(1 − Margin)). On nab_ec2_cpu_5m its loss ran 1.1
	// to 1.7 % below the daily members' and, chosen, it made one
	// violated sample more; on the ASG's first three days 13 to 16 %
	// below.
	Margin = 0.05
	// CycleACF is the autocorrelation of the one-step changes at one
	// hour above which the series shows a cycle of an hour: the
	// searched season's threshold of series.DetectSeason. Over the last
	// cycleWindow hours at hourly points of the scored parts:
	// nab_aws_asg_cpu_5m 0.79 in median (0.30 at 5 %), the ELB requests
	// with two constant days −0.02, the tweets', NASA's and ELB's medians
	// −0.01 to 0.00 (at most 0.18 at 95 %), nab_ec2_cpu_5m 0.43.
	CycleACF = 0.3
	// cycleHours is the fewest hours of changes the cycle is read on.
	cycleHours = 3
	// cycleWindow is how many hours of values the cycle is read on.
	cycleWindow = 12
)

// Season is the member's season in samples step seconds apart: an hour,
// rounded to whole samples, and whether the member applies to a forecast
// of horizon steps: an hour of at least minSamples samples, and no
// shorter than the horizon (the seasonal term reads the change over the
// horizon one season back, which must have happened: with a lag of more
// than an hour at 5-minute steps and interval it has not).
func Season(step int64, horizon int) (int, bool) {
	if step <= 0 {
		return 0, false
	}
	n := int(math.Round(Hour / float64(step)))
	return n, n >= minSamples && n >= horizon
}

// Selector is the ensemble's online.Selector: member Member is the hour
// member, every other member's loss is weighed as it is.
type Selector struct {
	Member int
	season int
	vals   []float32 // the last cycleWindow hours of values and one more (ring)
	n      int       // values seen
	last   float64   // the last finite value (NaN before one)
	hour   int64     // the hour of the clock the last sample was in
	shows  bool      // the cycle as last read
}

var _ online.Selector = (*Selector)(nil)

// NewSelector returns the Selector of member, whose hour is season
// samples (Season).
func NewSelector(member, season int) *Selector {
	return &Selector{Member: member, season: season, vals: make([]float32, cycleWindow*season+1), last: math.NaN(), hour: math.MinInt64}
}

// Observe takes the sample y at t, unix seconds (a missing one repeats
// the last finite value). At the first sample of each hour of the clock
// it reads the cycle again, on the values before it: the reading does not
// depend on where the series began, so a controller restarted on a
// history window that starts elsewhere chooses as the one it replaces
// (read every season samples from the window's start, it could choose
// another member for up to an hour).
func (s *Selector) Observe(t int64, y float64) {
	if h := floorDiv(t, Hour); h != s.hour {
		if s.n > 0 {
			s.shows = s.cycle()
		}
		s.hour = h
	}
	if math.IsNaN(y) || math.IsInf(y, 0) {
		y = s.last
	}
	if math.IsNaN(y) {
		return
	}
	s.last = y
	s.vals[s.n%len(s.vals)] = float32(y)
	s.n++
}

// floorDiv is a/b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// cycle reports whether the one-step changes of the kept values
// correlate at one hour above CycleACF.
func (s *Selector) cycle() bool {
	k := min(s.n, len(s.vals))
	if k-1 < cycleHours*s.season {
		return false
	}
	buf := changes.Get().(*[]float64)
	defer changes.Put(buf)
	d := (*buf)[:0]
	for i := s.n - k + 1; i < s.n; i++ {
		d = append(d, float64(s.vals[i%len(s.vals)])-float64(s.vals[(i-1)%len(s.vals)]))
	}
	*buf = d
	return series.ACF(d, s.season) > CycleACF
}

// changes is cycle's scratch for the one-step changes, shared by the
// selectors (a controller's targets' each check once an hour): an array
// made at each check was 0.37 of the 4.4 GB the 1,000-target fleet
// benchmark allocates, and one held by each selector would stay on the
// heap.
var changes = sync.Pool{New: func() any { return new([]float64) }}

// Handicap is online.Selector's: 1 for the other members, and for the
// hour member 1/(1 − Margin) while the series shows a cycle of an hour,
// +Inf otherwise.
func (s *Selector) Handicap(m int) float64 {
	switch {
	case m != s.Member:
		return 1
	case s.shows:
		return 1 / (1 - Margin)
	default:
		return math.Inf(1)
	}
}
