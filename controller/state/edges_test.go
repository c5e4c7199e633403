package state

// The state file's edges that no other test pinned (each found by a
// mutation that every test still passed).

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestShadowFlagsAlone: each flag the packed runs hold (missing; steps'
// has and has_diff, which share a byte) round-trips alone. The random
// memories' comparison packs both sides, so a flag written into its
// neighbour's bit was read back and packed again the same way.
func TestShadowFlagsAlone(t *testing.T) {
	for _, m := range []Shadow{
		{Missing: true},
		{Steps: Steps{Has: true}},
		{Steps: Steps{HasDiff: true}},
	} {
		m.Version = ShadowVersion
		b, err := json.Marshal(&m)
		require.NoError(t, err)
		var back Shadow
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, m, back)
	}
}

// TestShadowListLongerThanItsBytes: a packed list whose count is more
// than the bytes left could hold (3 numbers of 8 bytes in 10, 2 in 15;
// the bytes after the count) is refused
// as such before anything is allocated for it, not read until the bytes
// run out. The message said "runs runs: a list ..." (and "runs runs:
// flags 5" for a flags byte above 3): the wrapping added its own "runs".
func TestShadowListLongerThanItsBytes(t *testing.T) {
	var b []byte
	b = binary.AppendVarint(b, 0)              // at - started
	b = binary.LittleEndian.AppendUint64(b, 0) // demand
	b = append(b, 0)                           // flags
	b = binary.AppendVarint(b, 0)              // pick
	b = binary.AppendVarint(b, 0)              // the forecaster's run: ready
	b = binary.AppendUvarint(b, 3+1)           // pending: 3 numbers
	b = append(b, make([]byte, 10)...)
	var s Shadow
	err := s.unpack(base64.RawStdEncoding.EncodeToString(b))
	require.EqualError(t, err, "runs: a list of 3 values in 10 bytes")
	b = append(b[:len(b)-11], 2+1) // 2 numbers in 15 bytes: one short
	b = append(b, make([]byte, 15)...)
	err = s.unpack(base64.RawStdEncoding.EncodeToString(b))
	require.EqualError(t, err, "runs: a list of 2 values in 15 bytes")

	b = binary.AppendVarint(nil, 0)
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = append(b, 5) // flags 5
	err = s.unpack(base64.RawStdEncoding.EncodeToString(b))
	require.EqualError(t, err, "runs: flags 5")
}

// TestShadowWindowOfSmallRecommendations: a shadow HPA's window of 300
// recommendations a second apart (a 5-minute stabilisation window at
// 1-second cycles), each of fewer than 64 units, packs in 2 bytes a
// recommendation and reads back whole: the list's bound is 2 bytes a
// value, not more.
func TestShadowWindowOfSmallRecommendations(t *testing.T) {
	m := Shadow{Version: ShadowVersion, At: 1000}
	h := HPARun{Last: 3}
	for i := range 300 {
		h.Window = append(h.Window, Rec{At: int64(700 + i), Raw: 1 + i%60})
	}
	m.HPAs = []HPARun{h}
	b, err := json.Marshal(&m)
	require.NoError(t, err)
	var back Shadow
	require.NoError(t, json.Unmarshal(b, &back))
	require.Empty(t, back.bad)
	require.Equal(t, m, back)
}

// TestShadowV1ReadIntoAReusedMemory: a version 1 memory read into one that
// held an unreadable version 2 memory is that version 1 memory alone:
// nothing of the one before (its unreadable runs) is kept.
func TestShadowV1ReadIntoAReusedMemory(t *testing.T) {
	var s Shadow
	require.NoError(t, json.Unmarshal([]byte(`{"version":2,"target":"x","at":1000,"runs":"AA"}`), &s))
	require.NotEmpty(t, s.bad)
	v1 := []byte(`{"version":1,"target":"y","at":2000,"started":1000,"pick":1}`)
	var fresh Shadow
	require.NoError(t, json.Unmarshal(v1, &fresh))
	require.NoError(t, json.Unmarshal(v1, &s))
	require.Equal(t, fresh, s)
}

// TestShadowWindowOrder: a shadow HPA's window whose one recommendation is
// after the memory's time is out of order; an empty window is in order,
// and a recommendation of 0 units (demand 0 at min_units 0) is one.
func TestShadowWindowOrder(t *testing.T) {
	m := Shadow{Version: ShadowVersion, At: 1000, Pick: -1, Forecaster: Run{Ready: 2}, Own: Run{Ready: 2},
		HPAs: []HPARun{{Run: Run{Ready: 2}, Last: 2}}}
	require.Empty(t, m.problem(1, 10), "an empty window")
	m.HPAs[0].Window = []Rec{{At: 1000, Raw: 0}}
	require.Empty(t, m.problem(1, 10), "a recommendation of 0 at the memory's time")
	m.HPAs[0].Window[0].Raw = -1
	require.Equal(t, "a number not finite or negative", m.problem(1, 10))
	m.HPAs[0].Window[0].Raw = 2
	m.HPAs[0].Window[0].At = 1001
	require.Equal(t, "times out of order", m.problem(1, 10))
}

// TestShiftLeavesTheMemoryShared: Shift moves every time of the shadow
// runs' memory, its HPAs' pending units too, in a copy (the file's may
// be shared with another target's entry): the memory it was given keeps
// its times.
func TestShiftLeavesTheMemoryShared(t *testing.T) {
	m := &Shadow{Version: ShadowVersion, At: 1000, Forecaster: Run{Pending: []float64{900}},
		HPAs: []HPARun{{Run: Run{Pending: []float64{920}}, Last: 2, Window: []Rec{{At: 950, Raw: 2}}}}}
	a, b := Target{Shadow: m}, Target{Shadow: m}
	a.Shift(time.Minute)
	require.Equal(t, int64(1060), a.Shadow.At)
	require.Equal(t, int64(1010), a.Shadow.HPAs[0].Window[0].At)
	require.InDelta(t, 960, a.Shadow.Forecaster.Pending[0], 0)
	require.InDelta(t, 980, a.Shadow.HPAs[0].Pending[0], 0, "an HPA's pending units")
	require.Equal(t, int64(1000), b.Shadow.At)
	require.Equal(t, int64(950), b.Shadow.HPAs[0].Window[0].At, "the shared memory's window")
	require.InDelta(t, 900, b.Shadow.Forecaster.Pending[0], 0)
	require.InDelta(t, 920, b.Shadow.HPAs[0].Pending[0], 0)
}

// TestResizeOneCalmWantedUnit: a calm memory of one wanted unit is
// converted and said, as one of three is; an empty one is converted
// without a word.
func TestResizeOneCalmWantedUnit(t *testing.T) {
	for _, c := range []struct {
		wanted []int
		said   bool
	}{{[]int{15}, true}, {[]int{}, false}} {
		ts, old := resizeFixture()
		ts.Calm.Wanted = c.wanted
		big := old
		big.CapacityPerUnit = 4
		msgs := ts.Resize(big, time.Minute)
		require.Len(t, ts.Calm.Wanted, len(c.wanted))
		require.Equal(t, c.said, strings.Contains(msgs[0], fmt.Sprintf("calm hold's %d wanted units", len(c.wanted))), msgs[0])
	}
}

// TestSanitizeDropsANonFinitePrevForecast: a previous forecast that is not
// finite (NaN, +Inf or -Inf) is dropped whole: 0, at the zero time.
func TestSanitizeDropsANonFinitePrevForecast(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		tg := Target{PrevForecast: v, PrevForecastAt: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
		require.Contains(t, tg.Sanitize(1, 10), "prev_forecast is not finite: dropped")
		require.Zero(t, tg.PrevForecast)
		require.True(t, tg.PrevForecastAt.IsZero())
	}
}

// TestResizeOfOneUnit: from capacity 4 to 1 a single remembered unit is
// converted (an outage hold, units released of 1: 4 each) and so is a
// stabilisation window of one recommendation (2: 8); a scaling interval
// of 0 (not known) records nothing.
func TestResizeOfOneUnit(t *testing.T) {
	ts, old := resizeFixture()
	ts.Capacity = 4
	ts.Calm = nil
	ts.Policy.OutageHold, ts.Policy.ReleasedFrom = 1, 1
	ts.Policy.Recent = ts.Policy.Recent[:1]
	ts.Policy.Recent[0] = policy.Recommendation{At: ts.Policy.Recent[0].At, Units: 2}
	ts.Resize(old, 0)
	require.Equal(t, 4, ts.Policy.OutageHold)
	require.Equal(t, 4, ts.Policy.ReleasedFrom)
	require.Equal(t, 8, ts.Policy.Recent[0].Units)
	require.Equal(t, "1m0s", ts.Interval, "an interval of 0 is not recorded")
}

// TestSizedAtTheCapacityBounds: capacities of exactly the least and the
// most a target may have are known sizes; beyond them they are not.
func TestSizedAtTheCapacityBounds(t *testing.T) {
	for _, c := range []struct {
		capacity float64
		ok       bool
	}{{policy.MinCapacityPerUnit, true}, {policy.MaxCapacityPerUnit, true}, {policy.MaxCapacityPerUnit * 2, false}, {policy.MinCapacityPerUnit / 2, false}} {
		ts := Target{Capacity: c.capacity}
		_, ok := ts.SizedAt()
		require.Equal(t, c.ok, ok, "capacity %g", c.capacity)
	}
}

// TestResizeCopiesTheWindows: Resize converts copies of the stabilisation
// and usage windows: an entry sharing them (the file's) keeps its units.
func TestResizeCopiesTheWindows(t *testing.T) {
	ts, old := resizeFixture()
	file := ts // shares the windows' arrays
	big := old
	big.CapacityPerUnit = 4
	ts.Resize(big, time.Minute)
	require.Equal(t, 4, ts.Policy.Recent[0].Units)
	require.Equal(t, 4, ts.Policy.Used[0].Units)
	require.Equal(t, 15, file.Policy.Recent[0].Units)
	require.Equal(t, 13, file.Policy.Used[0].Units)
}

// TestCalmEdges: a calm memory on since its own time, with wanted units
// of 0 (min_units 0), can be resumed.
func TestCalmEdges(t *testing.T) {
	c := Calm{Version: CalmVersion, At: 1000, On: true, Since: 1000, Wanted: []int{0, 1}}
	require.Empty(t, c.problem())
	c.Since = 1001
	require.Equal(t, "times out of order", c.problem())
}

// TestSanitizeKeepsPendingOfZero: a pending scale-up from 0 units
// running is kept.
func TestSanitizeKeepsPendingOfZero(t *testing.T) {
	tg := Target{Pending: &Pending{Since: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), Current: 0}}
	require.Empty(t, tg.Sanitize(0, 10))
	require.NotNil(t, tg.Pending)
}

// TestResizeFromALagOfZero: a lag of 0 saved is known: a resize to
// another lag resets the forgone gain measured at it.
func TestResizeFromALagOfZero(t *testing.T) {
	ts, old := resizeFixture()
	ts.Lag = "0s"
	ts.Policy.Forgone = 0.5
	msgs := ts.Resize(old, time.Minute)
	require.Zero(t, ts.Policy.Forgone)
	require.Contains(t, msgs, "lag 0s when saved, 5m0s now: held scale-down's forgone gain 0.5 reset")
}

// TestShadowRunsCutBeforeTheirLastCount: packed runs missing their last
// byte (the steps' climb, a null list's 0) are unreadable, not read as a
// null list; a pick below -1 (none) is refused.
func TestShadowRunsCutBeforeTheirLastCount(t *testing.T) {
	m := Shadow{Version: ShadowVersion, At: 1000, Pick: -1, Forecaster: Run{Ready: 2}, Own: Run{Ready: 2}}
	b, err := json.Marshal(&m)
	require.NoError(t, err)
	var h shadowHead
	require.NoError(t, json.Unmarshal(b, &h))
	raw, err := base64.RawStdEncoding.DecodeString(h.Runs)
	require.NoError(t, err)
	require.Equal(t, byte(0), raw[len(raw)-1], "the climb's null")
	var s Shadow
	require.EqualError(t, s.unpack(base64.RawStdEncoding.EncodeToString(raw[:len(raw)-1])), "runs: truncated")

	require.Empty(t, m.problem(1, 10))
	m.Pick = -2
	require.Equal(t, "pick -2 of 0 shadow HPAs", m.problem(1, 10))
}
