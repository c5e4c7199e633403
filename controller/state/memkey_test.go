package state

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestMemoryKeyRoundTrip: every key String writes reads back the same
// (ParseMemoryKey), and the string is the one the state file holds.
func TestMemoryKeyRoundTrip(t *testing.T) {
	tenth := 0.1
	for _, c := range []struct {
		key  MemoryKey
		text string
	}{
		{MemoryKey{Capacity: 1, Lag: 5 * time.Minute}, "capacity 1, lag 5m0s"},
		{MemoryKey{Capacity: 34, Lag: 90 * time.Second}, "capacity 34, lag 1m30s"},
		{MemoryKey{Capacity: tenth + 0.2, Lag: 0}, "capacity 0.30000000000000004, lag 0s"},
		{MemoryKey{Capacity: policy.MinCapacityPerUnit, Lag: time.Millisecond}, "capacity 1e-09, lag 1ms"},
		{MemoryKey{Capacity: policy.MaxCapacityPerUnit, Lag: 168 * time.Hour}, "capacity 1e+15, lag 168h0m0s"},
		{MemoryKey{Capacity: -2, Lag: -time.Second}, "capacity -2, lag -1s"}, // no target's, but a key
		{MemoryKey{Capacity: math.SmallestNonzeroFloat64, Lag: math.MaxInt64}, "capacity 5e-324, lag 2562047h47m16.854775807s"},
		{MemoryKey{Capacity: 4, Utilization: 0.5, Lag: 2 * time.Minute}, "capacity 4, target_utilization 0.5, lag 2m0s"},
		{MemoryKey{Capacity: 1e-9, Utilization: 1, Lag: 0}, "capacity 1e-09, target_utilization 1, lag 0s"},
		{MemoryKey{Capacity: 3, Utilization: tenth + 0.2, Lag: time.Hour}, "capacity 3, target_utilization 0.30000000000000004, lag 1h0m0s"},
		{MemoryKey{Capacity: 3, Utilization: -1e-300, Lag: time.Hour}, "capacity 3, target_utilization -1e-300, lag 1h0m0s"}, // no target's, but a key
	} {
		require.Equal(t, c.text, c.key.String())
		back, ok := ParseMemoryKey(c.text)
		require.True(t, ok, c.text)
		require.Equal(t, c.key, back, c.text)

		// The release before read a key's capacity and lag so (resize.go's
		// SizedAt and lagWas): a downgrade reads both of a key written now.
		var capacity float64
		_, err := fmt.Sscanf(c.text, "capacity %g,", &capacity)
		require.NoError(t, err, c.text)
		require.InDelta(t, c.key.Capacity, capacity, 0, c.text)
		_, after, _ := strings.Cut(c.text, ", lag ")
		lag, err := time.ParseDuration(after)
		require.NoError(t, err, c.text)
		require.Equal(t, c.key.Lag, lag, c.text)
	}
	// A target's key names its utilisation: memories of another are not
	// resumed (the engine compares the strings).
	tg := policy.Target{CapacityPerUnit: 4, TargetUtilization: 0.5, Lag: 2 * time.Minute}
	require.Equal(t, "capacity 4, target_utilization 0.5, lag 2m0s", ShadowTarget(tg))
	require.Equal(t, MemoryKey{Capacity: 4, Utilization: 0.5, Lag: 2 * time.Minute}, KeyOf(tg))
	full := tg
	full.TargetUtilization = 1
	require.NotEqual(t, ShadowTarget(tg), ShadowTarget(full))
}

// TestParseMemoryKeyRefusesGarbage: a string String would not write is
// no key, whole: not its capacity alone, nor its lag alone.
func TestParseMemoryKeyRefusesGarbage(t *testing.T) {
	for _, s := range []string{
		"",
		"capacity",
		"capacity 1",
		"capacity 1,",
		"capacity 1, lag",
		"capacity 1, lag 5m",       // written 5m0s
		"capacity 1.0, lag 5m0s",   // written 1
		"capacity 0x1p-2, lag 1s",  // written 0.25
		"capacity 1,lag 5m0s",      // no space
		"capacity  1, lag 5m0s",    // two
		"Capacity 1, lag 5m0s",     // case
		"capacity 1, lag 5m0s ",    // trailing
		"capacity 1, lag 5m0s, x",  // more
		"capacity 1, lag soon",     // no duration
		"capacity x, lag 2m0s",     // no number
		"capacity NaN, lag 1m0s",   // not finite
		"capacity +Inf, lag 1m0s",  // not finite
		"capacity 1, lag 5m0s\x00", // a control character
		"capacity 1, capacity 1, lag 5m0s",
		"capacity 1, target_utilization 0, lag 5m0s",    // written without it
		"capacity 1, target_utilization 0.50, lag 5m0s", // written 0.5
		"capacity 1, target_utilization NaN, lag 5m0s",
		"capacity 1, target_utilization, lag 5m0s",
		"capacity 1, lag 5m0s, target_utilization 0.5", // the lag is last
		"capacity 1, utilization 0.5, lag 5m0s",
		"capacity 1, target_utilization 0.5, target_utilization 0.5, lag 5m0s",
	} {
		k, ok := ParseMemoryKey(s)
		require.False(t, ok, "%q", s)
		require.Zero(t, k, "%q", s)
	}
}

// TestMemoryKeysReadWhole: the capacity a file written before it was kept
// is sized at (SizedAt) and the lag (lagWas) come from keys read whole.
// Two parsers read them before, each its own part: "capacity 4, lag soon"
// gave capacity 4 and "capacity x, lag 2m0s" a lag of 2 minutes.
func TestMemoryKeysReadWhole(t *testing.T) {
	for _, c := range []struct {
		calm, shadow string
		capacity     float64 // 0: not known
		lag          time.Duration
		lagKnown     bool
	}{
		{"capacity 4, lag 2m0s", "", 4, 2 * time.Minute, true},
		{"", "capacity 4, lag 2m0s", 4, 2 * time.Minute, true},
		{"capacity 4, lag soon", "", 0, 0, false},
		{"capacity x, lag 2m0s", "", 0, 0, false},
		{"capacity 4, lag soon", "capacity 8, lag 1m0s", 8, time.Minute, true},
		{"capacity 1e-300, lag 1m0s", "", 0, time.Minute, true}, // a key, but no target's capacity
		{"", "", 0, 0, false},
	} {
		ts := Target{Calm: &Calm{Target: c.calm}, Shadow: &Shadow{Target: c.shadow}}
		capacity, ok := ts.SizedAt()
		require.Equal(t, c.capacity != 0, ok, "%+v", c)
		require.InDelta(t, c.capacity, capacity, 0, "%+v", c)
		lag, ok := ts.lagWas()
		require.Equal(t, c.lagKnown, ok, "%+v", c)
		require.Equal(t, c.lag, lag, "%+v", c)
	}
}

// FuzzMemoryKey: any string either is no key, or is the key String writes
// for what ParseMemoryKey read, and that reads back the same. Never a
// panic.
func FuzzMemoryKey(f *testing.F) {
	for _, s := range []string{"capacity 1, lag 5m0s", "capacity 34, lag 1m30s", "capacity 1e-09, lag 1ms", "capacity 1, lag 5m", "",
		"capacity 4, target_utilization 0.5, lag 2m0s", "capacity 1, target_utilization 0, lag 5m0s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParseMemoryKey(s)
		if !ok {
			if k != (MemoryKey{}) {
				t.Fatalf("%q: no key, but %+v", s, k)
			}
			return
		}
		if k.String() != s {
			t.Fatalf("%q read as %+v, written %q", s, k, k.String())
		}
		if back, ok := ParseMemoryKey(k.String()); !ok || back != k {
			t.Fatalf("%q: %+v read back as %+v (%v)", s, k, back, ok)
		}
	})
}
