package apitoken

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzTokenFile reads any bytes as the API token file's, as Read does
// (without the file): a token is taken only from minFileToken bytes on,
// without white space at its ends, and is what the file holds between
// them; one Usable (prescale run refuses the others, exit 2) is printable
// ASCII alone, as an Authorization header carries it. Never a panic.
func FuzzTokenFile(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef\n"))
	f.Add([]byte("short\n"))
	f.Add([]byte(" \t0123456789abcdef \u00a0\r\n"))
	f.Add([]byte("0123456789\x00abcdef"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, ok := parse(b)
		trimmed := strings.TrimSpace(string(b))
		if ok != (len(trimmed) >= minFileToken) {
			t.Fatalf("%q: taken %v", b, ok)
		}
		if !ok {
			return
		}
		if tok != trimmed || !bytes.Contains(b, []byte(tok)) {
			t.Fatalf("%q read as %q", b, tok)
		}
		if Usable(tok) && strings.IndexFunc(tok, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			t.Fatalf("%q usable", tok)
		}
	})
}
