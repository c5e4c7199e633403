package series

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
)

func TestEmpiricalInterval(t *testing.T) {
	rep := func(v float64, k int) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = v
		}
		return out
	}
	cat := func(xs ...[]float64) []float64 {
		var out []float64
		for _, x := range xs {
			out = append(out, x...)
		}
		return out
	}
	distinct := make([]float64, 100) // -50..49
	for i := range distinct {
		distinct[i] = float64(i - 50)
	}
	// Six levels with multiplicities 17, 4, 24, 47, 4, 4 (n = 100), the
	// shape of the backtest errors of a forecast at the usual level of a
	// quantised series: the central 0.09 and 0.91 quantiles are -2 and 1,
	// which hold 92 of the 100.
	tied := cat(rep(-2, 17), rep(-1, 4), rep(0, 24), rep(1, 47), rep(2, 4), rep(3, 4))
	for _, tc := range []struct {
		name   string
		r      []float64
		c      float64
		lo, hi float64
	}{
		// 80 of 100 distinct values with 10 on each side: r[10] and r[89].
		{"distinct", distinct, 0.8, -40, 39},
		// By hand: [-1, 2] and [0, 3] hold 79 (the nearest to 80); the
		// first has tails 17 and 4, the second 21 and 0.
		{"tied 0.8", tied, 0.8, -1, 2},
		// [-1, 3] holds 83, 0.01 from 0.82; every other pair is further.
		{"tied 0.82", tied, 0.82, -1, 3},
		// All errors positive: the interval starts at the forecast and
		// holds 4 of 5.
		{"one-sided", []float64{1, 2, 3, 4, 5}, 0.8, 0, 4},
		{"single", []float64{-3}, 0.8, -3, 0},
		{"all zero", rep(0, 10), 0.8, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := EmpiricalInterval(tc.r, tc.c)
			require.True(t, scalar.EqualWithinAbs(lo, tc.lo, 1e-12), "lo %v want %v", lo, tc.lo)
			require.True(t, scalar.EqualWithinAbs(hi, tc.hi, 1e-12), "hi %v want %v", hi, tc.hi)
		})
	}
}
