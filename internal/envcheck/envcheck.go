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
				known[prefix+"_"+tag] = true
			}
		}
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
