package queryhttp

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// chunkReader returns body in reads of the sizes in sizes (cycled, each
// 1 to 256 bytes), as a network body arrives.
type chunkReader struct {
	body  []byte
	sizes []byte
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.body) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(c.sizes) > 0 {
		n = int(c.sizes[c.i%len(c.sizes)]) + 1
		c.i++
	}
	n = copy(p[:min(n, len(p))], c.body)
	c.body = c.body[n:]
	return n, nil
}

// FuzzPartialBody feeds any answer body, cut into reads anywhere, through
// the scanner of VictoriaMetrics' "isPartial":true: the body passes
// unchanged, and the flag is set exactly when the body holds one of the
// markers, wherever the reads cut it.
func FuzzPartialBody(f *testing.F) {
	f.Add([]byte(vmAnswer("true")), []byte{0})
	f.Add([]byte(vmAnswer("false")), []byte{3, 200})
	f.Add([]byte(`{"isPartial": true}`), []byte{15, 0, 1})
	f.Add([]byte(`"isPartial":tru"isPartial": true`), []byte{16})
	f.Fuzz(func(t *testing.T, body, sizes []byte) {
		ctx, flag := WithPartialFlag(t.Context())
		r := scanPartial(ctx, io.NopCloser(&chunkReader{body: body, sizes: sizes}))
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("body changed: %q, want %q", got, body)
		}
		want := false
		for _, m := range partialMarkers {
			want = want || bytes.Contains(body, m)
		}
		if flag.Load() != want {
			t.Fatalf("flag %v, want %v for %q read in sizes %v", flag.Load(), want, body, sizes)
		}
	})
}

// FuzzParseHeaders reads any PRESCALE_PROMETHEUS_HEADERS entries (split
// at commas, as envconfig splits them): an error names its entry and
// never quotes a value; accepted headers are what the entries say, each
// name a token and each value one an HTTP header can carry.
func FuzzParseHeaders(f *testing.F) {
	f.Add("X-Scope-OrgID=tenant1,Authorization=Bearer s3cretvalue")
	f.Add("bad name=x")
	f.Add("Authorization: Bearer c2VjcmV0dG9rZW4xMjM0NQ==")
	f.Add("X=a\nb")
	f.Fuzz(func(t *testing.T, env string) {
		entries := strings.Split(env, ",")
		h, err := ParseHeaders(entries)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "entry ") {
				t.Fatalf("error %q names no entry", err)
			}
			for _, e := range entries {
				if _, v, ok := strings.Cut(e, "="); ok && len(v) >= 8 && strings.Count(env, v) == 1 && strings.Contains(err.Error(), v) {
					t.Fatalf("error %q quotes the value %q", err, v)
				}
			}
			return
		}
		n := 0
		for name, vs := range h {
			if name == "" || strings.ContainsAny(name, " \t\r\n:=(),;\"") || strings.ContainsFunc(name, func(r rune) bool { return r < '!' || r > '~' }) {
				t.Fatalf("header name %q accepted", name)
			}
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("header %s: value %q accepted", name, v)
				}
			}
			n += len(vs)
		}
		if n != len(entries) {
			t.Fatalf("%d headers from %d entries", n, len(entries))
		}
	})
}
