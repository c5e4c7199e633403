package redact

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// minEchoedRun is the shortest part of a secret, other than the whole of
// it or the end of an answer, that HideEchoed hides: a server may echo a
// credential cut to its own limit (the first 20 bytes of a 40-byte bearer
// token, a header's value cut at 32 bytes). Shorter, a secret's start
// would blank ordinary words.
const minEchoedRun = 16

// HideEchoed replaces in s, text a server answered (a webhook receiver's
// answer, a history source's refusal, message or warning), the parts
// echoedSpans finds of each of secrets, the credentials it was sent, with
// Mark, all hidden together (HideSpans). The text goes to the log and to
// the unauthenticated /api/system/health.
func HideEchoed(s string, secrets []string) string {
	return HideSpans(s, echoedSpans(s, secrets))
}

// URLSent are the credentials a request to u sends of the URL itself,
// which an answer may echo (HideEchoed): of its user info the Basic
// credential net/http sends (base64 of user:password, as decoded), of its
// query (sent with the request) the whole and each value as written
// (%-escaped) and decoded. Unsorted, empty ones kept: the webhook and
// the history source each add their own and filter.
func URLSent(u *url.URL) []string {
	var out []string
	if u.User != nil {
		p, _ := u.User.Password()
		out = append(out, base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+p)))
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
		for kv := range strings.SplitSeq(u.RawQuery, "&") {
			_, v, _ := strings.Cut(kv, "=")
			out = append(out, v)
			if d, err := url.QueryUnescape(v); err == nil {
				out = append(out, d)
			}
		}
	}
	return out
}

// echoedSpans are the parts of b to hide: each secret whole, the end of b
// that is the start of a secret (4 bytes or more), and any other run of
// minEchoedRun bytes or more that is the start of one, all found in b as
// given and hidden together (HideSpans): an answer kept to its first
// bytes ends inside an echoed token, and a server may echo one cut to
// its own limit, followed by a newline or more text. A webhook's query
// token over 312 bytes (a JWT) quoted from the start of the body showed
// its first 200 bytes; hidden one after another, a secret hidden first
// could break another's run in two and leave its start quoted.
func echoedSpans(b string, secrets []string) []Span {
	var spans []Span
	for _, s := range secrets {
		spans = append(spans, secretRuns(b, s)...)
		for n := min(len(s)-1, len(b)); n >= 4; n-- {
			if strings.HasSuffix(b, s[:n]) {
				spans = append(spans, Span{len(b) - n, len(b), Mark})
				break
			}
		}
	}
	return spans
}

// secretRuns are the runs of b that are s whole, or of minEchoedRun
// bytes or more that are the start of s. A secret shorter than MinHidden
// (a webhook URL's user name "u", its query's "v=1") is hidden only where
// it stands as a word of its own (WordAt): each 'u' and '1' of a
// receiver's answer showed REDACTED ("REDACTEDnsREDACTEDpported ...").
func secretRuns(b, s string) []Span {
	least := min(minEchoedRun, len(s))
	if least == 0 {
		return nil
	}
	var spans []Span
	for i := 0; ; i++ {
		j := strings.Index(b[i:], s[:least])
		if j < 0 {
			return spans
		}
		i += j
		n := least
		for n < len(s) && i+n < len(b) && b[i+n] == s[n] {
			n++
		}
		if n >= minEchoedRun || n == len(s) && (n >= MinHidden || WordAt(b, i, i+n)) {
			spans = append(spans, Span{i, i + n, Mark})
		}
	}
}

// Span is a part of a text to hide, text[From:To], and what shows
// instead.
type Span struct {
	From, To int
	With     string
}

// HideSpans replaces each span of s by what shows instead: spans that
// overlap are hidden as one, shown as the replacement of the one ending
// last (a URL's user info keeps its '@').
func HideSpans(s string, spans []Span) string {
	slices.SortFunc(spans, func(a, b Span) int { return cmp.Or(a.From-b.From, b.To-a.To) })
	var b strings.Builder
	done := 0 // s[:done] is written
	for k := 0; k < len(spans); {
		run := spans[k]
		for k++; k < len(spans) && spans[k].From < run.To; k++ {
			if spans[k].To > run.To {
				run.To, run.With = spans[k].To, spans[k].With
			}
		}
		b.WriteString(s[done:run.From])
		b.WriteString(run.With)
		done = run.To
	}
	b.WriteString(s[done:])
	return b.String()
}

// WordAt reports whether s[from:to] is not part of a longer word: no
// word byte (a letter, a digit or '_') on either side of it joins one at
// its end. "k3y" is a word in "key=k3y;", not in "k3ys" or "k3y_1".
func WordAt(s string, from, to int) bool {
	joins := func(a, b byte) bool { return wordByte(a) && wordByte(b) }
	return (from == 0 || !joins(s[from-1], s[from])) && (to == len(s) || !joins(s[to-1], s[to]))
}

// wordByte reports whether c is an ASCII letter or digit, or '_'.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
