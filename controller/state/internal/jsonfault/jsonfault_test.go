package jsonfault

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
)

// doc is a document of the kinds Describe walks: an object's fields, a
// map of objects, a list and a time.
type doc struct {
	Name  string          `json:"name"`
	Count int             `json:"count"`
	At    time.Time       `json:"at"`
	Items map[string]item `json:"items"`
	List  []item          `json:"list"`
}

type item struct {
	Size float64 `json:"size"`
}

// TestDescribe: where a document json.Unmarshal refused is at fault, as
// an editor counts (line and column from 1) and as a hex dump does (the
// byte offset from 0): a syntax error at its first bad byte, a type
// error at the value, named by its JSON path and what it should and does
// hold, a key of the path cut to redact.MaxEchoed bytes and a value to 40.
func TestDescribe(t *testing.T) {
	long := strings.Repeat("k", 300)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", " \n", "the file is empty"},
		{"cut short", `{"name":"a"`, "cut short: its JSON ends unfinished at line 1, column 12, byte offset 11"},
		{"syntax error", "{\"name\":\"a\",\n\"count\":1,}",
			"not JSON at line 2, column 11, byte offset 23: invalid character '}' looking for beginning of object key string"},
		{"type error", `{"name":"a","count":"x"}`, `count (line 1, column 21, byte offset 20): want a whole number, got "x"`},
		{"type error on line 2", "{\n  \"count\": \"x\"\n}", `count (line 2, column 12, byte offset 13): want a whole number, got "x"`},
		{"white space around", "\n {\"count\":\"x\"}\n", `count (line 2, column 11, byte offset 11): want a whole number, got "x"`},
		{"in a map", `{"items":{"a b":{"size":true}}}`, `items["a b"].size (line 1, column 25, byte offset 24): want a number, got true`},
		{"in a list", `{"list":[{"size":1},{"size":"big"}]}`, `list[1].size (line 1, column 29, byte offset 28): want a number, got "big"`},
		{"time", `{"at":"noon"}`, `at (line 1, column 7, byte offset 6): want a time such as 2026-12-07T04:30:00Z, got "noon"`},
		{"not an object", `[1]`, `the file (line 1, column 1, byte offset 0): want an object, got a list`},
		{"long key", `{"items":{"` + long + `":{"size":"x"}}}`,
			`items["` + long[:redact.MaxEchoed] + `..."].size (line 1, column 322, byte offset 321): want a number, got "x"`},
		{"long value", `{"name":` + strings.Repeat("9", 60) + `}`,
			`name (line 1, column 9, byte offset 8): want a string, got ` + strings.Repeat("9", 40) + `...`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.in)
			decode := func(sub []byte) error { return json.Unmarshal(sub, new(doc)) }
			err := decode(b)
			require.Error(t, err)
			require.Equal(t, tc.want, Describe(b, err, decode))
		})
	}
}
