package shard

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("svc-%04d", i)
	}
	return out
}

func TestParse(t *testing.T) {
	s, err := Parse("2/3")
	require.NoError(t, err)
	require.Equal(t, Spec{2, 3}, s)
	require.Equal(t, "2/3", s.String())
	for in, want := range map[string]string{
		"3/3":  "the shard index i must be in [0, 3) for 3 shards, got 3",
		"0/0":  "the shard count n must be >= 1, got 0",
		"-1/2": "the shard index i must be in [0, 2) for 2 shards, got -1",
		"1":    `want i/n (shard i of n, 0 <= i < n), got "1"`,
		"a/b":  `want i/n with whole numbers, got "a/b"`,
	} {
		_, err := Parse(in)
		require.EqualError(t, err, want, in)
	}
}

func TestFromOrdinal(t *testing.T) {
	s, err := FromOrdinal("prescale-controller-2", 3)
	require.NoError(t, err)
	require.Equal(t, Spec{2, 3}, s)
	_, err = FromOrdinal("prescale-controller-3", 3)
	require.EqualError(t, err, `hostname "prescale-controller-3": the shard index i must be in [0, 3) for 3 shards, got 3 (more replicas than shards?)`)
	_, err = FromOrdinal("laptop", 3)
	require.EqualError(t, err, `hostname "laptop" has no StatefulSet ordinal (a -N suffix)`)
	// A pod with setHostnameAsFQDN: true. Its hostname's last '-' was in
	// "-headless", so the controller exited 2 (no ordinal).
	s, err = FromOrdinal("prescale-controller-1.prescale-controller-headless.prescale.svc.cluster.local", 3)
	require.NoError(t, err)
	require.Equal(t, Spec{1, 3}, s)
	_, err = FromOrdinal("laptop.example.org", 3)
	require.EqualError(t, err, `hostname "laptop.example.org" has no StatefulSet ordinal (a -N suffix)`)
}

// TestOwnershipDisjointComplete: the n shards of a fleet own every target
// exactly once, about evenly.
func TestOwnershipDisjointComplete(t *testing.T) {
	all := names(3000)
	for _, n := range []int{1, 2, 3, 7} {
		owner := map[int]int{}
		for i := range n {
			for _, k := range (Spec{i, n}).Filter(all) {
				_, dup := owner[k]
				require.False(t, dup, "target %s owned twice with n=%d", all[k], n)
				owner[k] = i
			}
		}
		require.Len(t, owner, len(all), "every target owned, n=%d", n)
		count := make([]int, n)
		for _, i := range owner {
			count[i]++
		}
		for i, c := range count {
			require.InDelta(t, len(all)/n, c, 0.15*float64(len(all)/n), "shard %d of %d owns %d", i, n, c)
		}
	}
}

// TestStable: a target's shard depends on its name and n only (adding
// targets moves none), is fixed across releases (golden values), and
// growing n moves only the targets that go to the new shard.
func TestStable(t *testing.T) {
	golden := map[string]int{"web": 0, "api": 1, "worker": 1, "db": 2, "svc-0000": 1, "svc-0001": 1}
	for name, want := range golden {
		require.Equal(t, want, Of(name, 3), name)
	}
	all := names(3000)
	moved := 0
	for _, name := range all {
		a, b := Of(name, 3), Of(name, 4)
		if a != b {
			require.Equal(t, 3, b, "%s moved between old shards", name)
			moved++
		}
	}
	require.InDelta(t, len(all)/4, moved, 0.15*float64(len(all)/4), "about a quarter moves to the new shard")
}
