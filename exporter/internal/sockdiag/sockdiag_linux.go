//go:build linux

// Package sockdiag counts the TCP sockets of one local port by state with a
// netlink sock_diag dump (Linux), and parses the kernel's binary answer:
// outside input, fuzzed by FuzzSockDiag.
package sockdiag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/prescale/prescale/exporter/internal/procfs"
)

// Netlink sock_diag constants (linux/sock_diag.h, linux/inet_diag.h).
const (
	sockDiagByFamily = 20      // SOCK_DIAG_BY_FAMILY
	tcpDiagGetSock   = 18      // TCPDIAG_GETSOCK, the compat request
	inetDiagReqV1Len = 60      // sizeof(struct inet_diag_req)
	tcpAllStates     = 0xfff   // bits 1..11: every TCP state
	inetDiagReqLen   = 56      // sizeof(struct inet_diag_req_v2)
	inetDiagMsgMin   = 4 + 48  // family, state, timer, retrans + struct inet_diag_sockid
	nlmsgAlign       = 4       // NLMSG_ALIGNTO
	diagRecvBuf      = 1 << 16 // receive buffer; the kernel fills it per dump batch
	nlmsgHdrLen      = syscall.NLMSG_HDRLEN
	diagSockFamily   = syscall.AF_NETLINK
	diagProtocol     = syscall.NETLINK_INET_DIAG
	diagDumpFlags    = syscall.NLM_F_REQUEST | syscall.NLM_F_DUMP
	diagRequestSeq   = 1
	tcpProtocol      = syscall.IPPROTO_TCP
)

// TCPStates counts the TCP sockets of the exporter's network
// namespace whose local port is port, by state (procfs.TCPStates' order),
// with a netlink sock_diag dump: the binary answer costs the kernel far less than formatting
// /proc/net/tcp, whose read time grows with every socket on the host (about
// 3 µs per socket measured here; 1.3 ms against 6.7 ms with 600 sockets).
//
// The kernel walks its whole established-socket hash table for every dump
// (262144 buckets, about 1.1 ms, on the benchmark machine), so one
// TCPDIAG_GETSOCK request, which dumps IPv4 and IPv6 together, is tried
// first; kernels without it get one SOCK_DIAG_BY_FAMILY dump per family.
func TCPStates(port int, counts *[len(procfs.TCPStates)]float64) error {
	visit := func(state uint8, sport uint16) {
		if int(sport) == port && state >= 1 && int(state) <= len(procfs.TCPStates) {
			counts[state-1]++
		}
	}
	if err := sockDiagDump(compatRequest(), tcpDiagGetSock, visit); err == nil {
		return nil
	}
	*counts = [len(procfs.TCPStates)]float64{}
	for _, family := range []uint8{syscall.AF_INET, syscall.AF_INET6} {
		if err := sockDiagDump(familyRequest(family), sockDiagByFamily, visit); err != nil {
			return fmt.Errorf("sock_diag family %d: %w", family, err)
		}
	}
	return nil
}

func netlinkRequest(typ uint16, payloadLen int) ([]byte, []byte) {
	b := make([]byte, nlmsgHdrLen+payloadLen)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:4], uint32(len(b)))
	ne.PutUint16(b[4:6], typ)
	ne.PutUint16(b[6:8], diagDumpFlags)
	ne.PutUint32(b[8:12], diagRequestSeq)
	return b, b[nlmsgHdrLen:]
}

// familyRequest is a SOCK_DIAG_BY_FAMILY dump (struct inet_diag_req_v2)
// of every TCP socket of one address family.
func familyRequest(family uint8) []byte {
	b, r := netlinkRequest(sockDiagByFamily, inetDiagReqLen)
	r[0] = family
	r[1] = tcpProtocol
	binary.NativeEndian.PutUint32(r[4:8], tcpAllStates)
	return b
}

// compatRequest is a TCPDIAG_GETSOCK dump (struct inet_diag_req): the
// kernel answers it for both address families in one table walk.
func compatRequest() []byte {
	b, r := netlinkRequest(tcpDiagGetSock, inetDiagReqV1Len)
	binary.NativeEndian.PutUint32(r[52:56], tcpAllStates) // after family, lengths, ext and the 48-byte sockid
	return b
}

func sockDiagDump(req []byte, respType uint16, visit func(state uint8, sport uint16)) error {
	fd, err := syscall.Socket(diagSockFamily, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, diagProtocol)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: diagSockFamily}); err != nil {
		return os.NewSyscallError("sendto", err)
	}
	buf := make([]byte, diagRecvBuf)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		done, err := parseSockDiag(buf[:n], respType, visit)
		if err != nil || done {
			return err
		}
	}
}

// parseSockDiag walks one batch of netlink messages: inet_diag_msg records
// (state at byte 1, the local port big-endian at bytes 4-5), ended by
// NLMSG_DONE. It reports whether the dump is complete.
func parseSockDiag(b []byte, respType uint16, visit func(state uint8, sport uint16)) (bool, error) {
	ne := binary.NativeEndian
	for len(b) >= nlmsgHdrLen {
		l := int(ne.Uint32(b[0:4]))
		typ := ne.Uint16(b[4:6])
		if l < nlmsgHdrLen || l > len(b) {
			return false, fmt.Errorf("bad netlink message length %d", l)
		}
		data := b[nlmsgHdrLen:l]
		switch typ {
		case syscall.NLMSG_DONE:
			return true, nil
		case syscall.NLMSG_ERROR:
			if len(data) >= 4 {
				if errno := int32(ne.Uint32(data[0:4])); errno != 0 {
					return false, syscall.Errno(-errno)
				}
			}
			return false, errors.New("netlink error")
		case respType:
			if len(data) < inetDiagMsgMin {
				return false, fmt.Errorf("short inet_diag_msg: %d bytes", len(data))
			}
			visit(data[1], binary.BigEndian.Uint16(data[4:6]))
		}
		next := (l + nlmsgAlign - 1) &^ (nlmsgAlign - 1)
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return false, nil
}
