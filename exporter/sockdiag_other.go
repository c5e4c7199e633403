//go:build !linux

package exporter

import "errors"

func sockDiagTCPStates(int, *[len(tcpStates)]float64) error { return errors.ErrUnsupported }
