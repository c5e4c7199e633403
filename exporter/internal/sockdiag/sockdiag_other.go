//go:build !linux

// Package sockdiag counts the TCP sockets of one local port by state with a
// netlink sock_diag dump, on Linux only.
package sockdiag

import (
	"errors"

	"github.com/prescale/prescale/exporter/internal/procfs"
)

// TCPStates is not supported outside Linux.
func TCPStates(int, *[len(procfs.TCPStates)]float64) error { return errors.ErrUnsupported }
