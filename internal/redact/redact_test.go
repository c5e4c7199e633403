package redact

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://prom:9090/api", "http://prom:9090/api"},
		{"https://user:secret@prom:9090/api?token=abc", "https://REDACTED@prom:9090/api?REDACTED"},
		{"http://[::1", "http://[::1"},
		// Unparseable: redacted by shape (these printed SECRET before).
		{"http://u:SECRET@[::1", "http://REDACTED@[::1"},
		{"http://u:SE/CRET@host:9090/x?tok=SECRET", "http://REDACTED@host:9090/x?REDACTED"},
		{"u:SECRET@host%zz", "REDACTED@host%zz"},
		// A password's '#', '?' or '/' ends the host early; the URL parses
		// (as host "SE", "12", "x") and showed the password's end
		// ("https://REDACTED@SE#CRET@prom:9090/prom").
		// With a '#' or '?' before the last '@', what follows the host
		// after it may be the query's rest: removed too.
		{"https://ops:p@SE#CRET@prom:9090/prom", "https://REDACTED@prom:9090/REDACTED"},
		{"https://ops:12?SECRET@prom:9090/prom", "https://REDACTED@prom:9090/REDACTED"},
		{"https://ops:12?SECRET@prom:9090", "https://REDACTED@prom:9090"},
		// An '@' in the query or fragment: the token after it was shown
		// ("http://REDACTED@example.com&token=SECRET").
		{"http://prom:9090/?mail=ops@example.com&token=SECRET", "http://REDACTED@example.com/REDACTED"},
		{"http://prom:9090/x#a@b&access_token=SECRET", "http://REDACTED@b/REDACTED"},
		{"http://[::1]:9090/?to=a@[::1]:1&t=SECRET", "http://REDACTED@[::1]:1/REDACTED"},
		{"http://prom/?to=a@[fe80::1%25en0]:1&t=SECRET", "http://REDACTED@[fe80::1%25en0]:1/REDACTED"},
		{"http://prom/?to=a@my_host:1&t=SECRET", "http://REDACTED@my_host:1/REDACTED"},
		{"https://ops:p@x/SECRET@prom:9090/prom?k=v", "https://REDACTED@prom:9090/prom?REDACTED"},
		// A fragment may hold a token (an implicit OAuth flow's
		// "#access_token="); it was shown, in the refusal of such a URL too.
		{"http://prom:9090/prom#top", "http://prom:9090/prom#REDACTED"},
		{"https://grafana/d/x#access_token=SECRET", "https://grafana/d/x#REDACTED"},
		{"http://u:SE/CRET@host:9090/x?a=1#SECRET", "http://REDACTED@host:9090/x?REDACTED#REDACTED"},
		// A mistyped "://" leaves no host: the URL parses as a path, and
		// its password was shown (FuzzEnv found "http,//..."). The user
		// info starts after the mistyped separator, as UserInfo reads it
		// (shapeStart).
		{"http//ops:SECRET@prom:9090", "http//REDACTED@prom:9090"},
		{"http:/ops:SECRET@prom:9090/x?t=SECRET", "http:/REDACTED@prom:9090/x?REDACTED"},
		{"http;//ops:SECRET@prom", "http;//REDACTED@prom"},
		{"http,//ops:SECRET@prom", "http,//REDACTED@prom"},
		// An '@' that starts the query or fragment: what follows it was
		// shown as the host ("https://REDACTED@SECRET/REDACTED"; FuzzURL
		// found "//#@0000000").
		{"https://prom:9090/x?@SECRET#top", "https://REDACTED"},
		{"https://grafana/d/x#@SECRET", "https://REDACTED"},
		{"//#@SECRET", "//REDACTED"},
		{"/ops:SECRET@prom", "REDACTED@prom"},
	} {
		require.Equal(t, tc.want, URL(tc.in), tc.in)
	}
}

func TestErr(t *testing.T) {
	inner := errors.New("connection refused")
	err := Err(&url.Error{Op: "Post", URL: "http://u:p@hook/x?k=v", Err: inner})
	require.EqualError(t, err, "Post http://REDACTED@hook/x?REDACTED: connection refused")
	require.ErrorIs(t, err, inner)
	other := errors.New("plain")
	require.Same(t, other, Err(other))
	timeout := Err(&url.Error{Op: "Get", URL: "http://h/", Err: context.DeadlineExceeded})
	require.ErrorIs(t, timeout, context.DeadlineExceeded, "retry decisions still see the cause")
}

// TestErrParse: url.Parse's errors quote the URL and pieces of it (a
// port or an escape cut from inside a password); none may survive.
func TestErrParse(t *testing.T) {
	for _, raw := range []string{
		"http://u:SECRET@[::1",
		"http://u:SEC/RET@host",     // authority ends at '/': ":SEC" is taken for a port
		"http://u:SEC%zzRET@host",   // a bad escape inside the password
		"http://u:SECRET@ho st/x",   // a bad host after a password
		"http://u:SECRET@host:port", // a bad port after a password
		"ht tp://u:SECRET@host",     // a bad scheme
	} {
		_, err := url.Parse(raw)
		require.Error(t, err, raw)
		msg := Err(err).Error()
		require.NotContains(t, msg, "SEC", raw)
		require.NotContains(t, msg, "RET", raw)
		require.True(t, strings.HasPrefix(msg, "parse "), msg)
	}
}

// TestErrParseLong: url.Parse repeats a URL unquoted, spaces and
// all; Err shows at most MaxEchoed bytes of it, and the cause whole.
func TestErrParseLong(t *testing.T) {
	raw := "http://h/" + strings.Repeat("a", 60) + " " + strings.Repeat("b", 130) + "\a"
	_, err := url.Parse(raw)
	require.Error(t, err)
	msg := Err(err).Error()
	require.Equal(t, "parse "+raw[:MaxEchoed]+"...: net/url: invalid control character in URL", msg)
}

// TestErrParseAtInQuery: a URL that does not parse, with an '@' in its
// query, is shown to its host after that '@' (byShape); the piece of its
// rest url.Parse's error quotes (a bad escape in the fragment) is
// removed too.
func TestErrParseAtInQuery(t *testing.T) {
	raw := "http://prom/x?to=ops@example.com#SE%RET"
	_, err := url.Parse(raw) //nolint:staticcheck // SA1007: a URL that does not parse is what is tested
	require.Error(t, err)
	require.Contains(t, err.Error(), `"%RE"`, "url.Parse quotes the bad escape")
	require.Equal(t, `parse http://REDACTED@example.com/REDACTED: invalid URL escape "REDACTED"`, Err(err).Error())
}

// TestCheckAuthority: a URL whose user info a '/', '?' or '#' of its
// password cut short is refused, and the error quotes none of it.
func TestCheckAuthority(t *testing.T) {
	for _, raw := range []string{
		"https://ops:p@SE#CRET@prom:9090/prom",
		"https://ops:12?SECRET@prom:9090/prom",
		"https://ops:p@x/SECRET@prom:9090/prom",
		"http://prom:9090/prom#SECRET",
	} {
		err := CheckAuthority(raw)
		require.Error(t, err, raw)
		require.NotContains(t, err.Error(), "SE", raw)
		require.NotContains(t, err.Error(), "prom", raw)
	}
	for _, raw := range []string{
		"https://ops:p%40SE%23CRET@prom:9090/prom",
		"https://ops:p@SECRET@prom:9090/prom", // '@' in a password parses: the last '@' ends the user info
		"http://prom:9090", "http://prom:9090/select/0/prometheus?x=1", "u:SECRET@host",
	} {
		require.NoError(t, CheckAuthority(raw), raw)
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 5, "short"},
		{"longer", 4, "long..."},
		{"aé", 2, "a..."}, // é is two bytes: not split
		{"ééé", 3, "é..."},
		{"x", 0, "..."},
	} {
		require.Equal(t, tc.want, Cut(tc.s, tc.n), "%q cut to %d", tc.s, tc.n)
	}
}

// TestCutTwiceCutsOnce: a value cut just before a multi-byte character is
// a few bytes over n with its mark; cut again (CutEchoes' next pass, an
// error quoting an error) it stays one "...". It showed "....." (the first
// mark's dots kept as value, then a second mark).
func TestCutTwiceCutsOnce(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 99) + "é" + strings.Repeat("b", 50), strings.Repeat("a", 98) + "€bbb", strings.Repeat("a", 200)} {
		once := Cut(s, MaxEchoed)
		require.Equal(t, 1, strings.Count(once, "..."), once)
		require.Equal(t, once, Cut(once, MaxEchoed), "%q", s)
		require.Equal(t, strconv.Quote(once), CutEchoes(strconv.Quote(s), MaxEchoed), "%q", s)
	}
}

// TestCutEchoes: quoted values and unquoted runs over n bytes are cut,
// white space and short words kept (the flag package repeats a bad value
// quoted and an unknown flag's name unquoted, each whole).
func TestCutEchoes(t *testing.T) {
	long := strings.Repeat("x", 20)
	for _, tc := range []struct{ msg, want string }{
		{"short words stay", "short words stay"},
		{`invalid value "` + long + `" for flag -lag: parse error`, `invalid value "xxxxxxxxxx..." for flag -lag: parse error`},
		{"flag provided but not defined: -" + long, "flag provided but not defined: -xxxxxxxxx..."},
		{"a\t" + long + "\n\tb", "a\txxxxxxxxxx...\n\tb"},
		{long + `"q"` + long, `xxxxxxxxxx..."q"xxxxxxxxxx...`}, // runs beside a quoted string
		{`bad "` + long, `bad "xxxxxxxxx...`},                  // a '"' that quotes nothing is a byte of its run
		{`"` + long + `" and "ok"`, `"xxxxxxxxxx..." and "ok"`},
		// The cut drops the bad escape that kept the first '"' from
		// quoting: what it then quotes is cut too.
		{`"aaaaaaaaaaaa\q b"`, `"aaaaaaaaa..."`},
	} {
		require.Equal(t, tc.want, CutEchoes(tc.msg, 10), tc.msg)
	}
}

func TestUserInfo(t *testing.T) {
	for _, c := range []struct{ raw, info, rawPW, pw string }{
		{"https://ops:s3cret@prom:9090/x?to=a@b", "ops:s3cret@", "s3cret", "s3cret"},
		{"https://ops:p%40SE%23C@prom/x", "ops:p%40SE%23C@", "p%40SE%23C", "p@SE#C"},
		{"https://ops:p@SECRET@prom", "ops:p@SECRET@", "p@SECRET", "p@SECRET"}, // the last '@' ends the user info
		{"postgres://a:b@db", "a:b@", "b", "b"},
	} {
		info, rawPW, pw, ok := UserInfo(c.raw)
		require.True(t, ok, c.raw)
		require.Equal(t, []string{c.info, c.rawPW, c.pw}, []string{info, rawPW, pw}, c.raw)
	}
	for _, raw := range []string{
		"https://ops@prom/x", "https://ops:@prom", "http://prom:9090?a=b@c", "plain words", "http://[bad", "",
	} {
		_, _, _, ok := UserInfo(raw)
		require.False(t, ok, raw)
	}
}

// TestUserInfoMistypedURL: a URL URL redacts by its shape (a mistyped
// "://", no host parsed; one that does not parse) has its user info read
// by the same rule (shapeStart): UserInfo found none, as url.Parse reads
// such a URL as a path, so text quoting it (the exec actuator's output)
// showed its password. What UserInfo returns is what URL removes.
func TestUserInfoMistypedURL(t *testing.T) {
	for _, c := range []struct{ raw, info, rawPW, pw string }{
		{"http//ops:SECRETpw@prom:9090", "ops:SECRETpw@", "SECRETpw", "SECRETpw"},
		{"http:/ops:SECRETpw@prom:9090", "ops:SECRETpw@", "SECRETpw", "SECRETpw"},
		{"http;//ops:SECRETpw@prom", "ops:SECRETpw@", "SECRETpw", "SECRETpw"},
		{"http,//ops:p%40SECRET@prom", "ops:p%40SECRET@", "p%40SECRET", "p@SECRET"},
		{"ops:SECRETpw@prom%zz", "ops:SECRETpw@", "SECRETpw", "SECRETpw"}, // does not parse
		{"/ops:SECRETpw@prom", "/ops:SECRETpw@", "SECRETpw", "SECRETpw"},
		{"ops:/SECRETpw@prom", "ops:/SECRETpw@", "/SECRETpw", "/SECRETpw"}, // a password starting with '/', no scheme
	} {
		info, rawPW, pw, ok := UserInfo(c.raw)
		require.True(t, ok, c.raw)
		require.Equal(t, []string{c.info, c.rawPW, c.pw}, []string{info, rawPW, pw}, c.raw)
		require.Equal(t, strings.Replace(c.raw, c.info, Mark+"@", 1), URL(c.raw), "%s: the user info URL removes", c.raw)
	}
	for _, raw := range []string{"http//ops@prom", "http:/ops:@prom", "http;//prom", "http//prom/x@y"} {
		_, _, _, ok := UserInfo(raw)
		require.False(t, ok, raw)
	}
}

// TestHeaderValue: of a header's value, the value and, after an auth
// scheme, the credentials alone (a program prints the token without
// "Bearer "), and a Basic one's decoded password.
func TestHeaderValue(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"tenant1", []string{"tenant1"}},
		{" Bearer abc.def-123 ", []string{"Bearer abc.def-123", "abc.def-123"}},
		{"Basic b3BzOnMzY3JldC1wdw==", []string{"Basic b3BzOnMzY3JldC1wdw==", "b3BzOnMzY3JldC1wdw==", "s3cret-pw"}},
		{"basic not-base64!", []string{"basic not-base64!", "not-base64!"}},
		{"Bearer ", []string{"Bearer"}},
		{"Bearer  two-spaces", []string{"Bearer  two-spaces", "two-spaces"}},
		{"basic b3BzOnMzY3JldC1wdw==", []string{"basic b3BzOnMzY3JldC1wdw==", "b3BzOnMzY3JldC1wdw==", "s3cret-pw"}},
		{"Basic b3BzOg==", []string{"Basic b3BzOg==", "b3BzOg=="}}, // "ops:": no password
	} {
		require.Equal(t, c.want, HeaderValue(c.in), c.in)
	}
}

// TestScrubAfterUnbalancedQuote: a quoted piece of a secret is hidden
// even after a '"' that starts no quoted string; scrub stopped at that
// quote and repeated the rest as it was.
func TestScrubAfterUnbalancedQuote(t *testing.T) {
	msg := `bad "\q escape, then "SECR"`
	require.Equal(t, `bad "\q escape, then "REDACTED"`, scrub(msg, []string{"SECRET"}))
}

// TestReword: the text is the one given, the error under it still found.
func TestReword(t *testing.T) {
	inner := context.DeadlineExceeded
	err := Reword(inner, "cut...")
	require.EqualError(t, err, "cut...")
	require.ErrorIs(t, err, inner)
}

// TestCutGiven: a given value holding spaces, whole or after a '=', is cut
// where the message repeats it (CutEchoes alone leaves it: no run of it
// is long), the longer of two overlapping first; other values as
// CutEchoes cuts them.
func TestCutGiven(t *testing.T) {
	path := "/a b c d e f/g h"
	dir := "/a b c d e f"
	given := []string{dir, "--trace=" + path, "short"}
	require.Equal(t, "open /a b c d e f/g h: no such file", CutEchoes("open "+path+": no such file", 10))
	require.Equal(t, "open /a b c d e...: no such file; beside /a b c d e...; short; xxxxxxxxxx...",
		CutGiven("open "+path+": no such file; beside "+dir+"; short; "+strings.Repeat("x", 20), 10, given...))
}

// TestQuoteCut: a value is quoted cut to n bytes, and cut to half as many
// while its quoted form is over the limit, down to n/8: binary bytes quote
// to 4 each, so without the second cuts 64 of them quoted to 258 bytes.
func TestQuoteCut(t *testing.T) {
	bin := strings.Repeat("\xde", 200)
	for _, tc := range []struct {
		s        string
		n, limit int
		want     string
	}{
		{"short", 64, 80, `"short"`},
		{strings.Repeat("a", 100), 64, 80, strconv.Quote(strings.Repeat("a", 64) + "...")},
		{bin, 64, 80, strconv.Quote(bin[:16] + "...")},
		{bin, 160, 166, strconv.Quote(bin[:40] + "...")},
		{strings.Repeat("\x01", 100), 64, 80, strconv.Quote(strings.Repeat("\x01", 16) + "...")},
	} {
		got := QuoteCut(tc.s, tc.n, tc.limit)
		require.Equal(t, tc.want, got, "QuoteCut(%.10q, %d, %d)", tc.s, tc.n, tc.limit)
		require.LessOrEqual(t, len(got), tc.limit)
	}
}
