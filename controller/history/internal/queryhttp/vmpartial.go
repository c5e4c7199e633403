package queryhttp

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
)

// VictoriaMetrics' cluster (vmselect) answers with the data of the
// vmstorage nodes that answered when others did not, by default
// (-search.denyPartialResponse=false), and says so only in a top-level
// field of its JSON, "isPartial":true, which client_golang does not read.
// The body is scanned for it on its way to client_golang's decoder. Inside
// a JSON string a quote is escaped, so the bytes below occur only as that
// field.
var partialMarkers = [][]byte{[]byte(`"isPartial":true`), []byte(`"isPartial": true`)}

// partialKey carries, on a query's context, the flag its answer's body
// scanner sets.
type partialKey struct{}

// WithPartialFlag returns ctx carrying a flag that is set when the answer
// to a request made with it says "isPartial":true.
func WithPartialFlag(ctx context.Context) (context.Context, *atomic.Bool) {
	flag := new(atomic.Bool)
	return context.WithValue(ctx, partialKey{}, flag), flag
}

// scanPartial wraps body when ctx carries a flag (WithPartialFlag).
func scanPartial(ctx context.Context, body io.ReadCloser) io.ReadCloser {
	flag, ok := ctx.Value(partialKey{}).(*atomic.Bool)
	if !ok {
		return body
	}
	return &partialBody{ReadCloser: body, flag: flag}
}

// partialBody passes a body through and sets flag when it holds one of
// partialMarkers, also across two reads.
type partialBody struct {
	io.ReadCloser
	flag *atomic.Bool
	tail []byte // the end of what was read, shorter than the longest marker
}

func (b *partialBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && !b.flag.Load() {
		// The read itself, and the seam with the previous one (the tail
		// and the read's start): no copy of the whole body.
		keep := len(partialMarkers[1]) - 1
		seam := append(b.tail, p[:min(n, keep)]...)
		for _, m := range partialMarkers {
			if bytes.Contains(p[:n], m) || bytes.Contains(seam, m) {
				b.flag.Store(true)
			}
		}
		if n >= keep {
			b.tail = append(b.tail[:0], p[n-keep:n]...)
		} else {
			b.tail = append(b.tail[:0], seam[max(0, len(seam)-keep):]...)
		}
	}
	return n, err
}
