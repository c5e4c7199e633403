//go:build linux

package sockdiag

import (
	"encoding/binary"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/exporter/internal/procfs"
)

// TestSockDiagMatchesProc counts live loopback sockets both ways.
func TestSockDiagMatchesProc(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		s, err := ln.Accept()
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
	}

	var viaNetlink, viaProc [len(procfs.TCPStates)]float64
	require.NoError(t, TCPStates(port, &viaNetlink))
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		require.NoError(t, err)
		require.NoError(t, procfs.CountTCPStates(f, port, &viaProc))
		f.Close()
	}
	require.Equal(t, viaProc, viaNetlink)
	require.InDelta(t, 3.0, viaNetlink[0], 0, "established: the three accepted sockets")
	require.InDelta(t, 1.0, viaNetlink[9], 0, "listen")
}

func TestParseSockDiag(t *testing.T) {
	ne := binary.NativeEndian
	msg := func(typ uint16, data []byte) []byte {
		l := syscall.NLMSG_HDRLEN + len(data)
		b := make([]byte, (l+3)&^3)
		ne.PutUint32(b[0:4], uint32(l))
		ne.PutUint16(b[4:6], typ)
		copy(b[syscall.NLMSG_HDRLEN:], data)
		return b
	}
	diag := func(state uint8, port uint16) []byte {
		d := make([]byte, 72) // sizeof(struct inet_diag_msg)
		d[0], d[1] = syscall.AF_INET, state
		binary.BigEndian.PutUint16(d[4:6], port)
		return d
	}
	type seen struct {
		state uint8
		port  uint16
	}

	var got []seen
	visit := func(s uint8, p uint16) { got = append(got, seen{s, p}) }
	batch := append(append(msg(sockDiagByFamily, diag(1, 8080)), msg(sockDiagByFamily, diag(10, 22))...), msg(syscall.NLMSG_DONE, make([]byte, 4))...)
	done, err := parseSockDiag(batch, sockDiagByFamily, visit)
	require.NoError(t, err)
	require.True(t, done)
	require.Equal(t, []seen{{1, 8080}, {10, 22}}, got)

	done, err = parseSockDiag(msg(sockDiagByFamily, diag(6, 80)), sockDiagByFamily, visit)
	require.NoError(t, err)
	require.False(t, done, "no NLMSG_DONE yet")

	errno := make([]byte, 4)
	ne.PutUint32(errno, uint32(0xffffffff)) // -1: EPERM
	_, err = parseSockDiag(msg(syscall.NLMSG_ERROR, errno), sockDiagByFamily, visit)
	require.ErrorIs(t, err, syscall.EPERM)

	_, err = parseSockDiag(msg(sockDiagByFamily, []byte{1, 2}), sockDiagByFamily, visit)
	require.EqualError(t, err, "short inet_diag_msg: 2 bytes")
}
