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
// starts). NaN for no points or a NaN cost. The points it reads are
// Bracket's.
func Interpolate(pts []CurvePoint, c float64) (float64, Clamp) {
	i, j, clamp := Bracket(pts, c)
	switch {
	case i < 0:
		return math.NaN(), clamp
	case i == j:
		return pts[i].Value, clamp
	}
	a, b := pts[i], pts[j]
	return a.Value + (b.Value-a.Value)*(c-a.Cost)/(b.Cost-a.Cost), clamp
}

// Bracket returns the indices of the points of pts, sorted by cost, that
// Interpolate reads at cost c: the last point below c and the first at
// or above it (i < j); one point (i == j) at the curve's first cost and
// outside its costs (the nearer end, Below or Above); -1, -1 for no points
// or a NaN cost.
func Bracket(pts []CurvePoint, c float64) (i, j int, clamp Clamp) {
	n := len(pts)
	switch {
	case n == 0 || math.IsNaN(c):
		return -1, -1, Inside
	case c < pts[0].Cost:
		return 0, 0, Below
	case c > pts[n-1].Cost:
		return n - 1, n - 1, Above
	}
	k := sort.Search(n, func(k int) bool { return pts[k].Cost >= c })
	if k == 0 {
		return 0, 0, Inside
	}
	return k - 1, k, Inside
}
