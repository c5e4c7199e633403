package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/common"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/loadscore"
	"github.com/prescale/prescale/exporter/internal/procfs"
	"github.com/prescale/prescale/exporter/internal/sockdiag"
)

// tcpStates label prescale_app_tcp_connections, in the kernel's order.
var tcpStates = procfs.TCPStates

// Connections counts the TCP sockets (IPv4 and IPv6) whose local
// port is the application's, by state. gopsutil's net.Connections is not
// used: it maps every socket to its pid by listing /proc/<pid>/fd of every
// process, a cost per scrape that grows with the host's processes and buys
// nothing here. The live host is read with netlink sock_diag, fixtures and
// moved roots from /proc/net/tcp{,6}; both give the same counts.
type Connections struct {
	port  int
	conns *prometheus.Desc
}

// NewConnections returns the collector of the TCP sockets on port.
func NewConnections(port int) *Connections {
	return &Connections{
		port: port,
		conns: prometheus.NewDesc(fqName("tcp_connections"),
			"TCP sockets on the application's local port (PRESCALE_APP_PORT) by state.", []string{"state"}, nil),
	}
}

// Update counts the sockets by state and sends the counts.
func (c *Connections) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	var counts [len(tcpStates)]float64
	if err := c.count(ctx, &counts); err != nil {
		return err
	}
	for i, state := range tcpStates {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, counts[i], state)
	}
	established := counts[0]
	loadscore.ScrapeFrom(ctx).Set(func(in *loadscore.Inputs) { in.HasConnections, in.Established = true, established })
	return nil
}

// count uses netlink sock_diag on the live host and /proc/net/tcp{,6} when
// the proc root is moved (HOST_PROC, or a fixture in tests) or netlink is
// not available (seccomp, other kernels).
func (c *Connections) count(ctx context.Context, counts *[len(tcpStates)]float64) error {
	if !procRootMoved(ctx) {
		if err := sockdiag.TCPStates(c.port, counts); err == nil {
			return nil
		}
		*counts = [len(tcpStates)]float64{}
	}
	return procTCPStates(ctx, c.port, counts)
}

func procRootMoved(ctx context.Context) bool {
	if env, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok && env[common.HostProcEnvKey] != "" {
		return true
	}
	return os.Getenv(string(common.HostProcEnvKey)) != ""
}

func procTCPStates(ctx context.Context, port int, counts *[len(tcpStates)]float64) error {
	found := 0
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open(hostpath.Proc(ctx, "net", name))
		if errors.Is(err, os.ErrNotExist) {
			continue // IPv6 disabled
		}
		if err != nil {
			return err
		}
		err = procfs.CountTCPStates(f, port, counts)
		f.Close()
		if err != nil {
			return fmt.Errorf("net/%s: %w", name, err)
		}
		found++
	}
	if found == 0 {
		return errors.New("neither /proc/net/tcp nor /proc/net/tcp6 exists")
	}
	return nil
}

// Describe sends the collector's descriptor.
func (c *Connections) Describe(ch chan<- *prometheus.Desc) { ch <- c.conns }
