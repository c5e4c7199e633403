package ring

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A ring keeps its last size values, the oldest replaced first.
func TestMedian(t *testing.T) {
	var r Median
	for _, x := range []float64{5, 1, 4, 2, 3} {
		r.Push(x, 3)
	}
	require.Equal(t, []float64{2, 3, 4}, r.Sorted())
	require.Equal(t, []float64{2, 3, 4}, r.vals, "4 kept, 5 and 1 replaced in turn")
	require.Equal(t, []float64{4, 2, 3}, r.OldestFirst())
	require.Equal(t, 3, r.Len())
}
