package actuator

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzWebhookAnswer reads any receiver's answer as Send does: the start
// of its body quoted (at most 200 bytes, and never the URL's password, nor
// the first 8 bytes of its query value echoed between any pre and post,
// however long, whole or cut by the receiver after 16 bytes or more:
// both any run of [a-z0-9] of 8 bytes or more), and any
// Retry-After: seconds or an HTTP date, never negative, and read as what
// it says. Never a panic.
func FuzzWebhookAnswer(f *testing.F) {
	f.Add([]byte(`{"error":"bad token s3cretpw1 for ops"}`), "s3cretpw1", []byte(" in "), "tok3nvalue", "120")
	f.Add([]byte("  \n"), "passw0rdx", []byte(""), "abcdefgh", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add([]byte("bad token "), "hunter2pw", []byte("\n"), "0123456789abcdefghij0123456789abcdefghij", "5")
	f.Fuzz(func(t *testing.T, pre []byte, pw string, post []byte, tok, ra string) {
		if !secretShaped(pw) || !secretShaped(tok) {
			return
		}
		u, err := url.Parse("https://ops:" + pw + "@hooks.example/v1?token=" + tok)
		if err != nil {
			t.Fatal(err)
		}
		w := &Webhook{secrets: urlSecrets(u)}
		echoed := []string{tok}
		if len(tok) > 16 {
			echoed = append(echoed, tok[:16+(len(tok)-16)/2]) // cut by the receiver
		}
		for _, e := range echoed {
			body := append(append(append([]byte{}, pre...), e...), post...)
			if len(body) > 512 {
				body = body[:512] // Send keeps the first 512 bytes
			}
			text := answeredText(t, w.answered(body))
			if strings.Contains(text, pw) || !strings.Contains(string(pre)+string(post), tok[:8]) && strings.Contains(text, tok[:8]) {
				t.Fatalf("secret %q or %q quoted: %q", pw, tok, text)
			}
		}
		now := time.Unix(1_700_000_000, 0)
		d, ok := retryAfter(ra, now)
		if !ok {
			return
		}
		if d < 0 {
			t.Fatalf("Retry-After %q read as %v", ra, d)
		}
		if secs, err := strconv.ParseUint(strings.TrimSpace(ra), 10, 32); err == nil && d != time.Duration(secs)*time.Second {
			t.Fatalf("Retry-After %q read as %v", ra, d)
		}
	})
}

// secretShaped: [a-z0-9]{8,}, which no escape of %q and no mark
// (REDACTED, ...) can make up.
func secretShaped(s string) bool {
	return len(s) >= 8 && strings.IndexFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) < 0
}

// answeredText is the text answered quotes, unquoted, checked for length.
func answeredText(t *testing.T, got string) string {
	t.Helper()
	if got == "" {
		return ""
	}
	q, ok1 := strings.CutPrefix(got, " (answered ")
	q, ok2 := strings.CutSuffix(q, ")")
	if !ok1 || !ok2 {
		t.Fatalf("answered %q", got)
	}
	text, err := strconv.Unquote(q)
	if err != nil {
		t.Fatalf("answered %q: %v", got, err)
	}
	if len(text) > 200+len("...") {
		t.Fatalf("%d bytes quoted", len(text))
	}
	return text
}
