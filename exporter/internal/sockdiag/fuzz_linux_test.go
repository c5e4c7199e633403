//go:build linux

package sockdiag

import "testing"

// FuzzSockDiag feeds any bytes to the netlink sock_diag answer parser:
// it reports completion or an error, visits only whole records, and
// never reads past the buffer (a panic).
func FuzzSockDiag(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		visits := 0
		_, _ = parseSockDiag(b, sockDiagByFamily, func(uint8, uint16) { visits++ })
		if most := len(b) / (nlmsgHdrLen + inetDiagMsgMin); visits > most {
			t.Fatalf("%d records visited in %d bytes", visits, len(b))
		}
	})
}
