package actuator

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestWebhookWaitsLeaveNoGoroutine: each wait between two attempts of a
// delivery that is never replaced leaves nothing behind: the goroutine
// watching for new desired units ends with the wait. Left waiting on a
// replacement that never comes, one stayed per retry of an outage (the
// bubble reports them blocked for ever).
func TestWebhookWaitsLeaveNoGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		down := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: io.NopCloser(strings.NewReader("down")), Header: http.Header{}, Request: r}, nil
		})
		w, err := NewWebhook(WebhookConfig{URL: "http://hooks.example/x", MaxAttempts: 4, Client: &http.Client{Transport: down},
			Wait: func(context.Context, time.Duration) error { return nil }}, nil)
		require.NoError(t, err)
		a := testAction
		a.replaced = make(chan struct{}) // never closed: the units stay
		require.ErrorContains(t, w.Send(t.Context(), a), "503")
	})
}
