package scrapebudget

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestScrapeTimeout(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"10", 9500 * time.Millisecond, true},
		{"0.6", 300 * time.Millisecond, true}, // half, not 0.1 s
		{"", 0, false}, {"0", 0, false}, {"-1", 0, false}, {"NaN", 0, false}, {"ten", 0, false},
		// Found by FuzzTimeout: 1ns left 0, a deadline already past.
		{"0.000000001", 0, false}, {"0.000000002", time.Nanosecond, true},
	} {
		d, ok := Timeout(tc.header)
		require.Equal(t, tc.ok, ok, tc.header)
		require.Equal(t, tc.want, d, tc.header)
	}
	var b Budget
	t0 := time.Unix(1000, 0)
	doneLate := b.Add(t0.Add(9 * time.Second))
	doneEarly := b.Add(t0.Add(time.Second))
	at, ok := b.Earliest()
	require.True(t, ok)
	require.Equal(t, t0.Add(time.Second), at, "overlapping scrapes: the earliest deadline")
	doneEarly()
	at, _ = b.Earliest()
	require.Equal(t, t0.Add(9*time.Second), at)
	doneLate()
	_, ok = b.Earliest()
	require.False(t, ok)
}
