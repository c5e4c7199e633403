package shard

import "testing"

// FuzzShard reads any PRESCALE_SHARD value and any hostname (the
// StatefulSet ordinal of PRESCALE_SHARD_COUNT): an accepted spec has
// 0 <= i < n and reads back from its String; a target name's shard is in
// [0, n) and owned by exactly that shard. Never a panic.
func FuzzShard(f *testing.F) {
	f.Add("1/3", "prescale-2.prescale.ns.svc", "web", 3)
	f.Add(" +0 / 1 ", "host", "", 1)
	f.Add("-1/2", "a-b-", "x", -4)
	f.Fuzz(func(t *testing.T, v, hostname, name string, n int) {
		if s, err := Parse(v); err == nil {
			checkSpec(t, s)
			if back, err := Parse(s.String()); err != nil || back != s {
				t.Fatalf("%q read as %v, which reads back as %v, %v", v, s, back, err)
			}
			if i := Of(name, s.Count); i < 0 || i >= s.Count || s.Owns(name) != (i == s.Index) {
				t.Fatalf("%q: shard %d of %d", name, i, s.Count)
			}
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
		if s, err := FromOrdinal(hostname, n); err == nil {
			checkSpec(t, s)
			if s.Count != n {
				t.Fatalf("hostname %q of %d shards: %v", hostname, n, s)
			}
		}
	})
}

func checkSpec(t *testing.T, s Spec) {
	t.Helper()
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		t.Fatalf("spec %v accepted", s)
	}
}
