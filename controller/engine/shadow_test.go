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
