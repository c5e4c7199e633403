package redact

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzURL redacts any URL: a password, query or fragment of 8 bytes or
// more that raw holds once (as url.Parse reads it, and the password as
// UserInfo reads it) never shows in URL's answer; CutQuoted leaves no quoted string over n bytes (plus "...").
// Never a panic.
func FuzzURL(f *testing.F) {
	f.Add("https://ops:hunter2pw@prom:9090/api?token=abcdefgh#access_token=T")
	f.Add("https://ops:p@ss#1@prom/x")
	f.Add("http:/ops:hunter2pw@prom/x")
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
		// UserInfo reads the user info URL removes (shapeStart).
		if _, rawPW, _, ok := UserInfo(raw); ok && len(rawPW) >= 8 && strings.Count(raw, rawPW) == 1 && strings.Contains(shown, rawPW) {
			t.Fatalf("URL(%q) = %q shows UserInfo's password %q", raw, shown, rawPW)
		}
		checkCutQuoted(t, raw, CutQuoted(raw, 10))
		checkCutEchoes(t, raw, CutEchoes(raw, 10))
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

// checkCutEchoes: got has no quoted string over 10 bytes and no other
// run without white space over 10 bytes (plus "..." each), and it is msg
// when msg has neither.
func checkCutEchoes(t *testing.T, msg, got string) {
	t.Helper()
	for _, tok := range echoes(got) {
		if len(tok) > 10+len("...") {
			t.Fatalf("CutEchoes(%q) = %q keeps %q", msg, got, tok)
		}
	}
	for _, tok := range echoes(msg) {
		if len(tok) > 10 {
			return
		}
	}
	if got != msg {
		t.Fatalf("CutEchoes(%q) = %q: changed a message with nothing long", msg, got)
	}
}

// echoes splits msg as CutEchoes reads it: each Go-quoted string
// (unquoted) and each run of other bytes without white space.
func echoes(msg string) []string {
	var out []string
	start := 0
	for i := 0; i < len(msg); {
		if q, err := strconv.QuotedPrefix(msg[i:]); err == nil && msg[i] == '"' {
			s, _ := strconv.Unquote(q)
			out = append(out, msg[start:i], s)
			i += len(q)
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(msg[i:])
		if unicode.IsSpace(r) {
			out = append(out, msg[start:i])
			start = i + size
		}
		i += size
	}
	return append(out, msg[start:])
}
