package redact

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzURL redacts any URL: a password, query or fragment of 8 bytes or
// more that raw holds once (as url.Parse reads it) never shows in URL's
// answer; CutQuoted leaves no quoted string over n bytes (plus "...").
// Never a panic.
func FuzzURL(f *testing.F) {
	f.Add("https://ops:hunter2pw@prom:9090/api?token=abcdefgh#access_token=T")
	f.Add("https://ops:p@ss#1@prom/x")
	f.Add(`got "aaaaaaaaaaaaaaaaaaaaaaa", want "b\"c"`)
	f.Fuzz(func(t *testing.T, raw string) {
		shown := URL(raw)
		if u, err := url.Parse(raw); err == nil {
			pw, _ := u.User.Password()
			for _, s := range []string{pw, u.RawQuery, u.RawFragment, u.Fragment} {
				if len(s) >= 8 && strings.Count(raw, s) == 1 && strings.Contains(shown, s) {
					t.Fatalf("URL(%q) = %q shows %q", raw, shown, s)
				}
			}
		}
		checkCutQuoted(t, raw, CutQuoted(raw, 10))
	})
}

func checkCutQuoted(t *testing.T, msg, got string) {
	t.Helper()
	rest := got
	for {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		q, err := strconv.QuotedPrefix(rest[i:])
		if err != nil {
			rest = rest[i+1:]
			continue
		}
		if s, _ := strconv.Unquote(q); len(s) > 10+len("...") {
			t.Fatalf("CutQuoted(%q) = %q keeps %q", msg, got, s)
		}
		rest = rest[i+len(q):]
	}
}
