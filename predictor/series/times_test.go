package series

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Times gives back every time pushed, after drops, on and off the grid,
// and holds no slice while the times stay on a grid.
func TestTimes(t *testing.T) {
	cases := []struct {
		name   string
		ts     []int64
		drops  []int // Drop(k) after each push (0: none)
		onGrid bool  // no slice held at the end
	}{
		{"empty", nil, nil, true},
		{"one", []int64{7}, nil, true},
		{"grid", []int64{300, 600, 900, 1200}, nil, true},
		{"grid with drops", []int64{300, 600, 900, 1200, 1500, 1800}, []int{0, 0, 2, 0, 1, 0}, true},
		{"drop to one then on", []int64{300, 600, 900, 1000, 1100}, []int{0, 0, 2, 0, 0}, true},
		{"drop all then on", []int64{300, 600, 900, 950}, []int{0, 2, 0, 0}, true},
		{"off the grid", []int64{300, 600, 900, 1230, 1500}, nil, false},
		{"off, then drops", []int64{300, 600, 930, 1200, 1500}, []int{0, 0, 0, 2, 1}, false},
		{"equal times", []int64{300, 300, 300}, nil, false},
		{"second before first", []int64{300, 200}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s Times
			want := []int64{}
			for i, ts := range c.ts {
				s.Push(ts)
				want = append(want, ts)
				if i < len(c.drops) && c.drops[i] > 0 {
					s.Drop(c.drops[i])
					want = want[c.drops[i]:]
				}
				require.Equal(t, want, allTimes(&s), "after push %d", i)
			}
			require.Equal(t, c.onGrid, s.Held() == 0)
			if !c.onGrid {
				require.Equal(t, s.Len(), s.Held())
			}
			o := TimesOf(c.ts)
			require.Equal(t, append([]int64{}, c.ts...), allTimes(&o), "Of")
		})
	}
}

func allTimes(s *Times) []int64 {
	out := []int64{}
	for k := range s.Len() {
		out = append(out, s.At(k))
	}
	return out
}

func TestTimesPanics(t *testing.T) {
	s := TimesOf([]int64{300, 600})
	require.PanicsWithValue(t, "series: time index out of range", func() { s.At(2) })
	require.PanicsWithValue(t, "series: time drop out of range", func() { s.Drop(3) })
}
