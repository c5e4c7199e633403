package testkit

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { fmt.Fprintf(&b, "%d\n", i) })
	}
	wg.Wait()
	require.Len(t, b.String(), 16)
}

func TestFreeAddrIsFree(t *testing.T) {
	addr := FreeAddr(t)
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "the address must be bindable")
	require.NoError(t, ln.Close())
}

func TestPatienceStretch(t *testing.T) {
	const d = time.Minute
	for _, c := range []struct {
		race bool
		load float64
		cpus int
		want time.Duration
	}{
		{false, 0, 2, d},                 // unknown load: as written
		{false, 1.5, 2, d},               // idle cores: as written
		{true, 1.5, 2, raceSlowdown * d}, // the race detector alone
		{false, 6, 2, 3 * d},             // three runnable per core
		{true, 25, 2, raceSlowdown * maxLoadFactor * d},
		{false, 25, 0, d}, // no core count: load ignored
	} {
		require.Equal(t, c.want, stretch(d, c.race, c.load, c.cpus), "%+v", c)
	}
	require.GreaterOrEqual(t, Patience(d), d, "never shorter than asked")
}

func TestDeadlineBeforeTheBinarysTimeout(t *testing.T) {
	end := Deadline(t, 1000*time.Hour)
	if limit, ok := t.Deadline(); ok {
		require.True(t, end.Before(limit), "deadline %v after the binary's %v", end, limit)
	} else {
		require.True(t, end.After(time.Now().Add(999*time.Hour)))
	}
}

// The resident set sizes read from /proc/self/status: the current one is
// positive and the peak (VmHWM) at least the current (VmRSS), each its own
// field.
func TestRSSMB(t *testing.T) {
	rss, peak := RSSMB(), PeakRSSMB()
	require.Positive(t, rss)
	require.GreaterOrEqual(t, peak, rss)
	require.Zero(t, procStatusMiB("NoSuchField:"))
}

// TestViaJSON: what JSON does not keep is gone from the copy (the time's
// monotonic reading and zone, an unexported field), the rest is equal.
func TestViaJSON(t *testing.T) {
	type rec struct {
		At     time.Time
		N      []int
		hidden string
	}
	in := rec{At: time.Now().In(time.FixedZone("X", 3600)), N: []int{1, 2}, hidden: "h"}
	back := ViaJSON(t, in)
	require.NotEqual(t, in, back)
	require.True(t, back.At.Equal(in.At))
	require.Equal(t, in.At.Round(0).UTC(), back.At.UTC())
	require.Equal(t, []int{1, 2}, back.N)
	require.Empty(t, back.hidden)
	require.Equal(t, back, ViaJSON(t, back), "a second trip changes nothing")
}
