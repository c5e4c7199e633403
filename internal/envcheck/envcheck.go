// Package envcheck finds PRESCALE_* environment variables that no
// configuration reads, so a misspelt variable is reported instead of being
// silently ignored (envconfig only looks up the names it knows).
package envcheck

import (
	"reflect"
	"slices"
	"strings"
)

// Unknown returns, sorted, the names in environ ("NAME=value" entries, as
// os.Environ gives them) that start with prefix+"_" but match no
// `envconfig` field of the given config structs (values or pointers).
// Extra names that are read elsewhere may be passed in also.
func Unknown(environ []string, prefix string, also []string, configs ...any) []string {
	known := map[string]bool{}
	for _, n := range also {
		known[n] = true
	}
	for _, n := range Names(prefix, configs...) {
		known[n] = true
	}
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, prefix+"_") && !known[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Names returns the variables (prefix_TAG) the `envconfig` fields of the
// given config structs (values or pointers) read.
func Names(prefix string, configs ...any) []string {
	var out []string
	for _, c := range configs {
		t := reflect.TypeOf(c)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			panic("envcheck: config must be a struct, got " + t.String())
		}
		for i := range t.NumField() {
			if tag := t.Field(i).Tag.Get("envconfig"); tag != "" {
				out = append(out, prefix+"_"+tag)
			}
		}
	}
	return out
}

// Nearest returns the candidate closest to name by edit distance when it
// is at most two edits away (a typo), else "". Ties go to the first.
func Nearest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
