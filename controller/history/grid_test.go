package history

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestGridIndex places timestamps on a query's grid: every point from
// start to end on a step, the rest (between points, before the start,
// after the end) on none.
func TestGridIndex(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	g := newGrid(start, start.Add(10*time.Minute+30*time.Second), 5*time.Minute)
	require.Equal(t, 3, g.n, "0, 5 and 10 minutes")
	for _, tc := range []struct {
		at   time.Duration
		want int
		ok   bool
	}{
		{0, 0, true},
		{5 * time.Minute, 1, true},
		{10 * time.Minute, 2, true},
		{15 * time.Minute, 0, false},
		{time.Minute, 0, false},
		{-5 * time.Minute, 0, false},
		{5*time.Minute + time.Millisecond, 0, false},
	} {
		i, ok := g.index(start.Add(tc.at).UnixMilli())
		require.Equal(t, tc.ok, ok, tc.at)
		require.Equal(t, tc.want, i, tc.at)
	}
	require.Zero(t, newGrid(start, start.Add(-time.Second), time.Minute).n, "end before start: no points")
	one := newGrid(start, start, time.Minute)
	i, ok := one.index(start.UnixMilli())
	require.True(t, ok)
	require.Zero(t, i)
}
