package controller_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestForwardKeepsTheRequestBody: forward's transport reads a query's
// body once more after its Content-Length; held here until the client has
// the answer's headers (a loaded machine delayed it so), that read still
// finds the body's end, and the answer arrives whole. A proxy streaming
// the server's request body failed that read ("http: invalid Read on
// closed Body") and cut the answer (forward's comment).
func TestForwardKeepsTheRequestBody(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	late := &lateLastRead{started: make(chan struct{}), done: make(chan struct{})}
	part := strings.Repeat("x", 64<<10)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("query") != "demand" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, part)
		_ = http.NewResponseController(w).Flush()
		select { // the rest of the answer once the last read is done
		case <-late.done:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, part)
	}))
	t.Cleanup(backend.Close)
	gw := httptest.NewServer(forward(t, backend.URL, late))
	t.Cleanup(gw.Close)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw.URL+"/api/v1/query_range", strings.NewReader("query=demand"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	close(late.started) // the gateway has begun its answer
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, late.error(), "the transport's last read of the forwarded body")
	require.NoError(t, err)
	require.Len(t, b, 2*len(part), "the whole answer")
}

// lateLastRead is a transport whose read of a request body past its
// Content-Length (net/http checks that the body is not longer) waits until
// started is closed; it records that read's error, then closes done.
type lateLastRead struct {
	started, done chan struct{}
	once          sync.Once
	mu            sync.Mutex
	err           error
}

func (l *lateLastRead) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Body = &lateBody{ReadCloser: r.Body, left: r.ContentLength, l: l, ctx: r.Context()}
	return http.DefaultTransport.RoundTrip(r)
}

func (l *lateLastRead) error() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// lateBody is a request body whose reads past left bytes wait for
// l.started.
type lateBody struct {
	io.ReadCloser
	left int64
	l    *lateLastRead
	ctx  context.Context
}

func (b *lateBody) Read(p []byte) (int, error) {
	if b.left > 0 {
		n, err := b.ReadCloser.Read(p[:min(int64(len(p)), b.left)])
		b.left -= int64(n)
		return n, err
	}
	select {
	case <-b.l.started:
	case <-b.ctx.Done():
		return 0, b.ctx.Err()
	}
	n, err := b.ReadCloser.Read(p)
	b.l.once.Do(func() {
		if !errors.Is(err, io.EOF) {
			b.l.mu.Lock()
			b.l.err = err
			b.l.mu.Unlock()
		}
		close(b.l.done)
	})
	return n, err
}
