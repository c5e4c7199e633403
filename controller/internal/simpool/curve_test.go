package simpool

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// The curve read at a cost: linear between the points around it, each
// end's value outside the curve's costs, clamped to that side.
func TestInterpolate(t *testing.T) {
	pts := []CurvePoint{{100, 10}, {200, 4}, {300, 2}}
	for _, c := range []struct {
		cost, want float64
		clamp      Clamp
	}{
		{50, 10, Below}, {100, 10, Inside}, {150, 7, Inside}, {200, 4, Inside},
		{250, 3, Inside}, {300, 2, Inside}, {400, 2, Above},
	} {
		v, clamp := Interpolate(pts, c.cost)
		require.InDelta(t, c.want, v, 1e-12, "cost %v", c.cost)
		require.Equal(t, c.clamp, clamp, "cost %v", c.cost)
	}
	v, clamp := Interpolate(nil, 100)
	require.True(t, math.IsNaN(v))
	require.Equal(t, Inside, clamp)
	require.Equal(t, "below", Below.String())
	require.Equal(t, "above", Above.String())
	require.Empty(t, Inside.String())
}

// Where several points share a cost, the first of them is the curve's
// value at that cost, the last starts the next segment, and the ends
// outside the curve are its first and last points: the same rule at the
// lowest, an inner and the highest shared cost.
func TestInterpolateSharedCost(t *testing.T) {
	pts := []CurvePoint{{100, 1}, {100, 3}, {200, 5}, {200, 9}, {300, 20}, {300, 40}}
	for _, c := range []struct {
		cost, want float64
		clamp      Clamp
	}{
		{99, 1, Below},
		{100, 1, Inside}, // the first point at 100, not the last (3)
		{150, 4, Inside}, // from the last at 100 (3) to the first at 200 (5)
		{200, 5, Inside},
		{250, 14.5, Inside}, // from 9 to 20
		{300, 20, Inside},   // the first point at 300, not the last (40)
		{301, 40, Above},
	} {
		v, clamp := Interpolate(pts, c.cost)
		require.InDelta(t, c.want, v, 1e-12, "cost %v", c.cost)
		require.Equal(t, c.clamp, clamp, "cost %v", c.cost)
	}
	one := []CurvePoint{{100, 6}, {100, 8}}
	for cost, want := range map[float64]float64{50: 6, 100: 6, 150: 8} {
		v, _ := Interpolate(one, cost)
		require.InDelta(t, want, v, 0, "single cost, at %v", cost)
	}
}

// Bracket gives the points Interpolate reads: the last below the cost and
// the first at or above it, one end outside the curve or at its first
// cost, none for no points or a NaN cost (Interpolate then NaN; it
// indexed past the curve's end).
func TestBracket(t *testing.T) {
	pts := []CurvePoint{{100, 1}, {100, 3}, {200, 5}, {200, 9}, {300, 20}, {300, 40}}
	for _, c := range []struct {
		cost  float64
		i, j  int
		clamp Clamp
	}{
		{99, 0, 0, Below}, {100, 0, 0, Inside}, {150, 1, 2, Inside}, {200, 1, 2, Inside},
		{250, 3, 4, Inside}, {300, 3, 4, Inside}, {301, 5, 5, Above},
	} {
		i, j, clamp := Bracket(pts, c.cost)
		require.Equal(t, [3]int{c.i, c.j, int(c.clamp)}, [3]int{i, j, int(clamp)}, "cost %v", c.cost)
	}
	for _, p := range [][]CurvePoint{nil, pts} {
		i, j, _ := Bracket(p, math.NaN())
		if p == nil {
			i, j, _ = Bracket(p, 100)
		}
		require.Equal(t, [2]int{-1, -1}, [2]int{i, j})
	}
	v, _ := Interpolate(pts, math.NaN())
	require.True(t, math.IsNaN(v))
}
