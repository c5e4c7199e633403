package redact

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://prom:9090/api", "http://prom:9090/api"},
		{"https://user:secret@prom:9090/api?token=abc", "https://REDACTED@prom:9090/api?REDACTED"},
		{"http://[::1", "<unparseable URL>"},
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
}
