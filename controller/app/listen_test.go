package app

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestListenErrorCutsTheAddress: an address that cannot be listened on is
// quoted to 100 bytes, in the message and where the error repeats its
// host or port (a 5,000-byte PRESCALE_LISTEN was repeated whole twice).
func TestListenErrorCutsTheAddress(t *testing.T) {
	long := strings.Repeat("9", 5000)
	for _, addr := range []string{long, "127.0.0.1:" + long, strings.Repeat("h", 5000) + ":1"} {
		_, err := net.Listen("tcp", addr)
		require.Error(t, err)
		msg := ListenError(addr, err)
		require.Less(t, len(msg), 400, msg)
		require.Contains(t, msg, `cannot listen on "`+addr[:100]+`..."`)
	}
	_, err := net.Listen("tcp", "[::1]:99999")
	require.Equal(t, `cannot listen on "[::1]:99999": listen tcp: address 99999: invalid port`, ListenError("[::1]:99999", err))
}
