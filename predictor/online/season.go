package online

import "github.com/prescale/prescale/predictor/series"

// The seasonal term adds to the level the change of the level from origin
// i to i+h on each of the past SeasonDays seasons. Their mean lets one
// past season's one-off move echo in every later forecast: a spike one
// sample long on one day of the last seven, J above its neighbours,
// raises the forecast at the same time of every following day by J/7
// for one sample and lowers it by J/7 the sample after, on unchanged
// demand. On ec2_cpu_utilization_24ae8d (the decision tuning set) that
// echo, in the peak ensemble's reactive member, was every one of the
// peak quantiles' one-sample jumps that scaled up for nothing
// (docs/tuning.md, "The seasonal echo"). With Config.SeasonTrim the term
// is the mean of the past seasons' changes without the one farthest from
// their median: a trimmed mean (Huber and Ronchetti 2009, "Robust
// Statistics", section 3.3) that drops one discordant season, whatever
// its size, and otherwise keeps the mean's efficiency and its smooth
// answer to a move some seasons share (a spike on two days of seven
// still counts, as one in six). The median itself, which ignores up to
// half of the seasons, jumps between 0 and a whole spike as the count of
// spiking days crosses half, and lost the weekly mix the mean keeps.

// seasonal is the mean change of the level from origin i to i+h over the
// past seasons (with SeasonTrim and at least three seasons, without the
// one farthest from their median), 0 without a season or history.
func (f *Forecaster) seasonal(i, h int) float64 {
	if f.cfg.Season == 0 {
		return 0
	}
	d, sum := f.seasonChanges(i, h)
	n := len(d)
	switch {
	case n == 0:
		return 0
	case n < 3 || !f.cfg.SeasonTrim:
		return sum / float64(n)
	}
	med := series.Median(d) // sorts d
	lo, hi := d[0], d[n-1]
	if med-lo > hi-med {
		return (sum - lo) / float64(n-1)
	}
	return (sum - hi) / float64(n-1)
}

// seasonChanges returns the level's changes from origin i to i+h over the
// past seasons, the latest first (in f.seasonBuf, valid until the next
// call), and their sum.
func (f *Forecaster) seasonChanges(i, h int) ([]float64, float64) {
	S := f.cfg.Season
	d := f.seasonBuf[:0]
	sum := 0.0
	for k := 1; k <= f.cfg.SeasonDays; k++ {
		a := i - k*S
		if a < f.off {
			break
		}
		c := float64(f.levelAt(a+h)) - float64(f.levelAt(a))
		d = append(d, c)
		sum += c
	}
	f.seasonBuf = d
	return d, sum
}
