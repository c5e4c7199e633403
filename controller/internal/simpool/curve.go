package simpool

import (
	"math"
	"sort"
)

// CurvePoint is one run of an HPA curve: its cost and one of its figures.
type CurvePoint struct{ Cost, Value float64 }

// Clamp says on which side of a curve's costs a cost read from it lies.
type Clamp int

// Clamp values: Inside the curve's costs (ends included), Below its
// lowest, Above its highest.
const (
	Inside Clamp = iota
	Below
	Above
)

// String is "below", "above", or "" inside (the backtest's words).
func (c Clamp) String() string {
	switch c {
	case Below:
		return "below"
	case Above:
		return "above"
	}
	return ""
}

// Interpolate reads the curve pts, sorted by cost, at cost c as the
// referee reads its HPA curve (autoscale_score.py, interpolate_at): linear
// between the last point below c and the first at or above it, and
// clamped to the curve's ends outside its costs (the end's value, Below
// or Above). Where several points share a cost, the first of them is the
// curve's value at that cost (and the last is where the next segment
// starts). NaN for no points.
func Interpolate(pts []CurvePoint, c float64) (float64, Clamp) {
	n := len(pts)
	switch {
	case n == 0:
		return math.NaN(), Inside
	case c < pts[0].Cost:
		return pts[0].Value, Below
	case c > pts[n-1].Cost:
		return pts[n-1].Value, Above
	}
	j := sort.Search(n, func(k int) bool { return pts[k].Cost >= c })
	if j == 0 {
		return pts[0].Value, Inside
	}
	a, b := pts[j-1], pts[j]
	return a.Value + (b.Value-a.Value)*(c-a.Cost)/(b.Cost-a.Cost), Inside
}
