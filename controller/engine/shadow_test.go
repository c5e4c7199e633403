package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestShadowChoose(t *testing.T) {
	const r = 0.03 // loss per unit-second
	for _, tc := range []struct {
		name string
		fc   shadowScore
		hpas []shadowScore
		want int
	}{
		{"no HPA does better", shadowScore{cost: 100, viol: 0}, []shadowScore{{cost: 200, viol: 0}, {cost: 100, viol: 0}}, -1},
		{"a tie is not better", shadowScore{cost: 100, viol: 10}, []shadowScore{{cost: 100, viol: 10}}, -1},
		{"fewer violations at equal cost", shadowScore{cost: 100, viol: 10}, []shadowScore{{cost: 100, viol: 5}}, 0},
		{"more cost worth its violations", shadowScore{cost: 100, viol: 10}, []shadowScore{{cost: 400, viol: 0}, {cost: 200, viol: 0}}, 1},
		{"more cost not worth them", shadowScore{cost: 100, viol: 1}, []shadowScore{{cost: 200, viol: 0}}, -1},
		{"the lowest loss wins, first on a tie", shadowScore{cost: 100, viol: 30},
			[]shadowScore{{cost: 300, viol: 0}, {cost: 200, viol: 2}, {cost: 200, viol: 2}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &shadow{rate: r, fcScore: tc.fc}
			for _, sc := range tc.hpas {
				s.hpas = append(s.hpas, hpaShadow{score: sc})
			}
			require.Equal(t, tc.want, s.choose())
		})
	}
}

func TestShadowHPAStep(t *testing.T) {
	// 10 per unit at target 0.5, 4 ready: the referee's HPA rule.
	h := &hpaShadow{target: 0.5, pool: simPool{ready: 4}}
	require.Equal(t, 8, h.step(0, 40, 10, 1), "ratio 2: ceil(4·2)")
	h.pool = simPool{ready: 8}
	require.Equal(t, 8, h.step(60, 20, 10, 1), "scale-down held for 300 s")
	require.Equal(t, 8, h.step(300, 20, 10, 1), "the window is inclusive")
	require.Equal(t, 5, h.step(301, 21, 10, 1), "then ceil(8·21/40)")
	h.pool = simPool{ready: 4, pending: []int64{900}}
	require.Equal(t, 5, h.step(901, 21, 10, 1), "within the 0.1 tolerance: keep requested")
	h.pool = simPool{}
	require.Equal(t, 3, h.step(2000, 0.1, 10, 3), "no ready unit: at least min")
}

func TestSimPool(t *testing.T) {
	p := simPool{ready: 2}
	p.set(5, 0, 300)
	require.Equal(t, 2, p.ready)
	require.Equal(t, 5, p.requested())
	p.promote(299)
	require.Equal(t, 2, p.ready, "not ready before the lag")
	p.set(3, 299, 599)
	require.Equal(t, simPool{ready: 2, pending: []int64{300}}, p, "newest pending units go first")
	p.set(1, 300, 600)
	require.Equal(t, 1, p.ready, "promoted, then a ready unit removed")
	require.Empty(t, p.pending)
}
