// Package shard splits a controller's targets between several controllers:
// a controller with shard i of n owns exactly the targets whose name
// hashes to i. The hash of a name depends on the name and n only, so
// adding or removing a target moves no other target, and with jump
// consistent hashing (Lamping and Veach 2014, "A Fast, Minimal Memory,
// Consistent Hash Algorithm", arXiv:1406.2294) growing n to n+1 moves only
// about 1/(n+1) of the targets, all to the new shard.
package shard

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Spec is shard Index of Count (0 <= Index < Count).
type Spec struct {
	Index, Count int
}

// All is the unsharded controller: one shard owning every target.
var All = Spec{Index: 0, Count: 1}

// String renders the spec as PRESCALE_SHARD takes it, "i/n".
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Parse reads "i/n".
func Parse(v string) (Spec, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return Spec{}, fmt.Errorf("want i/n (shard i of n, 0 <= i < n), got %q", v)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("want i/n with whole numbers, got %q", v)
	}
	return New(i, n)
}

// New checks i and n.
func New(i, n int) (Spec, error) {
	switch {
	case n < 1:
		return Spec{}, fmt.Errorf("the shard count n must be >= 1, got %d", n)
	case i < 0 || i >= n:
		return Spec{}, fmt.Errorf("the shard index i must be in [0, %d) for %d shards, got %d", n, n, i)
	}
	return Spec{Index: i, Count: n}, nil
}

// FromOrdinal is shard ordinal-of-hostname of n: a StatefulSet names its
// pods <name>-<ordinal> and a pod's hostname is its name, so replicas
// 0..n-1 take shards 0..n-1. A pod with setHostnameAsFQDN has the fully
// qualified name (<name>-<ordinal>.<service>.<namespace>.svc...): its
// first label is the pod's name (a StatefulSet's name has no dot).
func FromOrdinal(hostname string, n int) (Spec, error) {
	pod, _, _ := strings.Cut(hostname, ".")
	k := strings.LastIndexByte(pod, '-')
	if k < 0 {
		return Spec{}, fmt.Errorf("hostname %q has no StatefulSet ordinal (a -N suffix)", hostname)
	}
	i, err := strconv.Atoi(pod[k+1:])
	if err != nil {
		return Spec{}, fmt.Errorf("hostname %q has no StatefulSet ordinal (a -N suffix)", hostname)
	}
	s, err := New(i, n)
	if err != nil {
		return Spec{}, fmt.Errorf("hostname %q: %w (more replicas than shards?)", hostname, err)
	}
	return s, nil
}

// Of is the shard of a target name among n (n >= 1): jump consistent hash
// of the name's 64-bit FNV-1a hash.
func Of(name string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	key := h.Sum64()
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

// Owns reports whether the shard owns the target name.
func (s Spec) Owns(name string) bool { return Of(name, s.Count) == s.Index }

// Filter returns the names' indexes the shard owns, in order.
func (s Spec) Filter(names []string) []int {
	var out []int
	for i, n := range names {
		if s.Owns(n) {
			out = append(out, i)
		}
	}
	return out
}
