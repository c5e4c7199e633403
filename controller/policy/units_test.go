package policy

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUnitsNeeded: the units a demand needs, exact in floating point as
// the referee's instances_needed, for the decisions and the backtest's
// simulated pool alike.
func TestUnitsNeeded(t *testing.T) {
	a, b := 0.1, 0.2 // computed, not a constant: 0.30000000000000004
	for _, tc := range []struct {
		name        string
		demand, per float64
		want        int
	}{
		{"at capacity", 20, 10, 2},
		{"just above", 20.000001, 10, 3},
		{"0.1+0.2 at 0.1: 3 units serve it", a + b, 0.1, 3},
		{"0.9 at 0.3: 3 x 0.3 = 0.8999999999999999 does not", 0.9, 0.3, 4},
		{"zero demand", 0, 10, 0},
		{"negative demand", -3, 10, 0},
		{"NaN demand", math.NaN(), 10, 0},
		{"zero per", 5, 0, 0},
		{"negative per", 5, -1, 0},
		{"NaN per", 5, math.NaN(), 0},
		{"saturates", 15, 1e-19, math.MaxInt32},
		{"+Inf demand", math.Inf(1), 10, math.MaxInt32},
		{"+Inf over +Inf (NaN ratio) saturates, no endless loop", math.Inf(1), math.Inf(1), math.MaxInt32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, UnitsNeeded(tc.demand, tc.per))
		})
	}
}
