// Package redact keeps credentials and bulk out of logs, errors and API
// answers: it removes credentials from URLs and errors, and cuts echoed
// input short.
package redact

import (
	"cmp"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mark replaces every removed credential.
const Mark = "REDACTED"

// MinHidden is the shortest secret that text quoting a command's output
// (the exec actuator's errors) hides: a shorter value of a variable named
// like a secret is mostly none ("1", "true", a region), and hiding it
// would blank unrelated words. PRESCALE_API_TOKEN, which the operator
// chooses, must be at least this long.
const MinHidden = 8

// MaxEchoed is the most bytes of a value from outside (a variable, a
// targets file's name or key, a query parameter, an address) an error
// repeats: 5,000-byte values were repeated whole.
const MaxEchoed = 100

// URL replaces user info, the query string and the fragment of raw with
// REDACTED. A URL
// that does not parse, or whose text holds an '@' after what parsed as
// its host (a password holding '/', '?' or '#' ends the host early:
// "https://ops:p@ss#1@prom/x" parses as host "ss") or in what parsed as
// its path without a host (a mistyped "://": "http//ops:pw@prom",
// "http:/ops:pw@prom" and "http;//ops:pw@prom" parse as paths, and were
// shown whole), is redacted by its shape: everything from shapeStart (after
// the "://", typed right or not) to the last '@' is taken as user info, as
// UserInfo reads it, and the query goes.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || strings.Contains(u.Opaque, "@") || strings.Contains(u.Path, "@") || strings.Contains(afterHost(raw), "@") { // "user:pass@host" parses as scheme "user"
		shown, _ := byShape(raw)
		return shown
	}
	if u.User != nil {
		u.User = url.User(Mark)
	}
	if u.RawQuery != "" {
		u.RawQuery = Mark
	}
	if u.Fragment != "" { // "#access_token=..." of an implicit OAuth flow
		u.Fragment, u.RawFragment = Mark, ""
	}
	return u.String()
}

// afterHost is what follows a URL's authority (user info and host): from
// the first '/', '?' or '#' after "//", as url.Parse ends it; "" without
// an authority.
func afterHost(raw string) string {
	_, after := splitAuthority(raw)
	return after
}

// splitAuthority splits what follows raw's "//" into the authority (user
// info and host) and the rest from the first '/', '?' or '#', as
// url.Parse ends the authority; both "" without "//".
func splitAuthority(raw string) (authority, after string) {
	_, rest, ok := strings.Cut(raw, "//")
	if !ok {
		return "", ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

// UserInfo is, of a URL raw whose user info holds a non-empty password,
// that user info as written with its ':' and the '@' ending it
// ("ops:p%40w@"), the password as written ("p%40w") and decoded ("p@w");
// ok is false for a URL without a password. A URL that does not parse, or
// whose mistyped "://" leaves its user info in a path ("http//ops:pw@prom",
// "http:/...", "http;//..."), is read by its shape, as URL redacts it
// (shapeUserInfo). Text that
// quotes raw (a command's output) hides these: what it quotes of the URL
// is not known, so URL's rewrite cannot be applied there.
func UserInfo(raw string) (info, rawPassword, password string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil && (strings.Contains(u.Opaque, "@") || strings.Contains(u.Path, "@")) {
		return shapeUserInfo(raw)
	}
	if u.User == nil {
		return "", "", "", false
	}
	password, set := u.User.Password()
	if !set || password == "" {
		return "", "", "", false
	}
	authority, _ := splitAuthority(raw)
	info = authority[:strings.LastIndex(authority, "@")+1]
	_, rawPassword, _ = strings.Cut(info[:len(info)-1], ":")
	return info, rawPassword, password, true
}

// shapeUserInfo is UserInfo of a URL URL redacts by its shape, where
// url.Parse finds no user info (it does not parse, or a mistyped "://"
// leaves it in a path): from shapeStart to the last '@', the password
// after its first ':', decoded where it decodes. It found none, and text
// quoting such a URL showed its password.
func shapeUserInfo(raw string) (info, rawPassword, password string, ok bool) {
	start := shapeStart(raw)
	at := strings.LastIndexByte(raw[start:], '@')
	if at < 0 {
		return "", "", "", false
	}
	info = raw[start : start+at+1]
	_, rawPassword, _ = strings.Cut(info[:len(info)-1], ":")
	if rawPassword == "" {
		return "", "", "", false
	}
	password, err := url.PathUnescape(rawPassword)
	if err != nil {
		password = rawPassword
	}
	return info, rawPassword, password, true
}

// HeaderValue is what text quoting an HTTP header's value (a command's
// output) must hide of it: the value as written and, of one written
// "<scheme> <credentials>" (Authorization: Bearer T), the credentials
// alone, which a program prints without the scheme; of a Basic one, the
// password it encodes too. Hiders apply their own minimum length.
func HeaderValue(value string) []string {
	value = strings.TrimSpace(value)
	out := []string{value}
	scheme, cred, ok := strings.Cut(value, " ")
	if cred = strings.TrimSpace(cred); !ok || cred == "" {
		return out
	}
	out = append(out, cred)
	if !strings.EqualFold(scheme, "Basic") {
		return out
	}
	if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
		if _, pw, ok := strings.Cut(string(b), ":"); ok && pw != "" {
			out = append(out, pw)
		}
	}
	return out
}

// CheckAuthority refuses a URL whose user info was cut short: an '@' or a
// '#' after its host, as a password holding an unencoded '/', '?' or '#'
// leaves it ("https://ops:p@ss#1@prom:9090" parses as host "ss", the rest
// a fragment). Such a URL sent requests to the wrong host and showed the
// password's end in logs. The error quotes nothing of the URL.
func CheckAuthority(raw string) error {
	rest := afterHost(raw)
	if !strings.ContainsAny(rest, "@#") {
		return nil
	}
	return errors.New("holds an '@' or a '#' after its host: a password (or user) holding '/', '?', '#' or '@' must write them percent-encoded (%2F, %3F, %23, %40), and a server's URL has no #fragment")
}

// byShape redacts raw without parsing it and returns the redacted form
// and the secrets it removed: everything between "://" and the last '@'
// (a password may hold '/', '?' or '#'), and the query after it. When a
// '?' or '#' comes before that '@', the '@' may be in the query or
// fragment ("?to=ops@example.com&token=T"): only the host:port after it
// is shown, the rest is removed too (it showed "&token=T"); nothing is
// shown after an '@' right after a '?' or '#', which starts the query or
// fragment: "?@T" showed T as the host.
func byShape(raw string) (string, []string) {
	var secrets []string
	start := shapeStart(raw)
	s := raw
	if at := strings.LastIndexByte(raw[start:], '@'); at >= 0 {
		user, rest := raw[start:start+at], raw[start+at+1:]
		secrets = append(secrets, user)
		if strings.HasSuffix(user, "?") || strings.HasSuffix(user, "#") {
			return raw[:start] + Mark, append(secrets, rest)
		}
		if host := rest[:hostLen(rest)]; strings.ContainsAny(user, "?#") && host != rest {
			return raw[:start] + Mark + "@" + host + "/" + Mark, append(secrets, rest[len(host):])
		}
		s = raw[:start] + Mark + "@" + rest
	}
	s, frag, hasFrag := strings.Cut(s, "#")
	s, query, hasQuery := strings.Cut(s, "?")
	for _, part := range []string{query, frag} {
		if part != "" {
			secrets = append(secrets, part)
		}
	}
	if hasQuery {
		s += "?" + Mark
	}
	if hasFrag {
		s += "#" + Mark
	}
	return s, secrets
}

// shapeStart is where the user info of a URL read by its shape starts
// (byShape, UserInfo): after "://"; else after a mistyped one, a scheme
// then "//" ("http//", "http;//", "http,//") or a scheme then ":/" and a
// user:password before the last '@' ("http:/ops:pw@prom"); else at 0
// ("ops:pw@prom", "ops:/pw@prom": a password may start with '/').
func shapeStart(raw string) int {
	if i := strings.Index(raw, "://"); i >= 0 {
		return i + len("://")
	}
	at := strings.LastIndexByte(raw, '@')
	if i := strings.Index(raw, "//"); i >= 0 && (at < 0 || i < at) && mistypedScheme.MatchString(raw[:i]) {
		return i + len("//")
	}
	if i := strings.Index(raw, ":/"); i >= 0 && at > i && scheme.MatchString(raw[:i]) && strings.Contains(raw[i+2:at], ":") {
		return i + len(":/")
	}
	return 0
}

// scheme is a URL scheme's syntax (RFC 3986 section 3.1); mistypedScheme
// one followed by a ':', ';' or ',' typed for the ':' of "://", or none.
var (
	scheme         = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	mistypedScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*[:;,]?)?$`)
)

// hostLen is the length of the host[:port] (a name, an IPv4 or a
// bracketed IPv6 address) s starts with.
func hostLen(s string) int {
	for i, c := range []byte(s) {
		if !hostByte(c) {
			return i
		}
	}
	return len(s)
}

func hostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_:[]%", c) >= 0
}

// Err rewrites a *url.Error, which repeats the full request URL including
// any credentials, with that URL redacted; other errors are returned as
// they are. The wrapped error stays reachable with errors.Is/As; its text
// is scrubbed too, since a parse error quotes pieces of the URL (a bad
// port or escape inside a password). The URL is cut to MaxEchoed bytes:
// url.Parse repeats it unquoted, spaces and all, so no later cut of
// quoted values or of runs without white space bounds it.
func Err(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	_, secrets := byShape(ue.URL)
	return Reword(ue.Err, ue.Op+" "+Cut(URL(ue.URL), MaxEchoed)+": "+scrub(ue.Err.Error(), secrets))
}

// Reword is err with msg for its text (err's, redacted or cut short);
// errors.Is and errors.As still reach err.
func Reword(err error, msg string) error {
	return &redacted{msg: msg, err: err}
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// scrub replaces in msg every secret and every quoted fragment ("...")
// that is part of a secret.
func scrub(msg string, secrets []string) string {
	if len(secrets) == 0 {
		return msg
	}
	out := mapQuoted(msg, func(q string) string {
		if frag, _ := strconv.Unquote(q); frag != "" && partOfAny(frag, secrets) {
			return strconv.Quote(Mark)
		}
		return q
	})
	for _, s := range secrets {
		if s != "" {
			out = strings.ReplaceAll(out, s, Mark)
		}
	}
	return out
}

// mapQuoted replaces each Go-quoted string in msg (quotes included) with
// f's result; a '"' that starts no quoted string is kept as it is, and the
// search goes on after it.
func mapQuoted(msg string, f func(q string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			break
		}
		q, err := strconv.QuotedPrefix(msg[i:])
		if err != nil {
			b.WriteString(msg[:i+1])
			msg = msg[i+1:]
			continue
		}
		b.WriteString(msg[:i])
		b.WriteString(f(q))
		msg = msg[i+len(q):]
	}
	return b.String() + msg
}

func partOfAny(frag string, secrets []string) bool {
	for _, s := range secrets {
		if strings.Contains(s, frag) {
			return true
		}
	}
	return false
}

// Cut shortens s to at most n bytes, on a rune boundary, marking the cut
// with "...": an error message or log line that echoes input, a response
// body or a command's output repeats a bounded part of it. Dots just
// before the cut go into the mark, so a value cut again (cut before a
// multi-byte character, it is over n bytes with its mark) keeps one
// "...": it showed ".....".
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], ".") + "..."
}

// QuoteCut is %q of s cut to n bytes (as Cut cuts), cut again to half as
// many while the quoted form is over limit bytes, down to n/8: quoting
// writes a byte that is not printable as 4 ("\xb6"), so n bytes of binary
// quote to 4n+2. Callers pick n and limit with 4*(n/8)+5 <= limit, so the
// result always fits: a quoted echo of a file or an answer body is bounded
// whatever its bytes (FuzzProcFiles, FuzzRemoteDecode).
func QuoteCut(s string, n, limit int) string {
	q := strconv.Quote(Cut(s, n))
	for m := n / 2; len(q) > limit && m >= n/8 && m > 0; m /= 2 {
		q = strconv.Quote(Cut(s, m))
	}
	return q
}

// CutRepeats cuts each of parts longer than n bytes to n bytes where msg
// repeats it, as Cut does: an error of the standard library that repeats
// an input (net.Listen's, the address and its host or port) repeats a
// bounded part of it.
func CutRepeats(msg string, n int, parts ...string) string {
	for _, part := range parts {
		if len(part) > n {
			msg = strings.ReplaceAll(msg, part, Cut(part, n))
		}
	}
	return msg
}

// CutGiven is CutEchoes of msg after cutting, as CutRepeats does, each
// of given (a program's arguments, its environment) longer than n bytes,
// and each one's value after its first '=' (--flag=value, NAME=value),
// longest first: CutEchoes cuts an unquoted value only where it holds no
// white space, so a path holding spaces was repeated whole.
func CutGiven(msg string, n int, given ...string) string {
	var long []string
	for _, g := range given {
		if len(g) > n {
			long = append(long, g)
		}
		if _, v, ok := strings.Cut(g, "="); ok && len(v) > n {
			long = append(long, v)
		}
	}
	slices.SortFunc(long, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return CutEchoes(CutRepeats(msg, n, long...), n)
}

// CutQuoted cuts each Go-quoted string in msg (a value quoted with %q) to
// n bytes, as Cut does: an error whose checks quote the value they refuse
// repeats a bounded part of it, whichever check it was.
func CutQuoted(msg string, n int) string {
	return mapQuoted(msg, func(q string) string {
		if s, _ := strconv.Unquote(q); len(s) > n {
			return strconv.Quote(Cut(s, n))
		}
		return q
	})
}

// CutEchoes cuts every value msg repeats to n bytes: each Go-quoted string
// as CutQuoted does, and as Cut does each run of other bytes without white
// space longer than n (a flag name the flag package repeats unquoted, a
// path, a YAML tag a decoder names). An error of any origin shown to an
// operator repeats a bounded part of what it was given.
func CutEchoes(msg string, n int) string {
	// A cut can drop what kept a '"' from starting a quoted string (a bad
	// escape after n bytes): the next pass cuts the string it now starts.
	for range 4 {
		cut := cutEchoesOnce(msg, n)
		if cut == msg {
			break
		}
		msg = cut
	}
	return msg
}

func cutEchoesOnce(msg string, n int) string {
	var b strings.Builder
	start := 0 // of the current run
	endRun := func(i int) {
		b.WriteString(Cut(msg[start:i], n))
		start = i
	}
	for i := 0; i < len(msg); {
		if msg[i] == '"' {
			if q, err := strconv.QuotedPrefix(msg[i:]); err == nil {
				endRun(i)
				shown := q
				if s, _ := strconv.Unquote(q); len(s) > n {
					shown = strconv.Quote(Cut(s, n))
				}
				b.WriteString(shown)
				i += len(q)
				start = i
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(msg[i:])
		if unicode.IsSpace(r) {
			endRun(i)
			b.WriteString(msg[i : i+size])
			start = i + size
		}
		i += size
	}
	endRun(len(msg))
	return b.String()
}
