// Command benchscrape scrapes several Prometheus exporters with one client
// and reports the latency of each. It is the measuring client of
// scripts/bench-exporter.sh.
//
//	benchscrape -n 300 prescale=http://127.0.0.1:9110/metrics node=http://127.0.0.1:9100/metrics
//
// Scrapes alternate between the targets so that machine noise falls on all
// of them alike. Each scrape is timed from sending the request to reading
// the last byte of the (decompressed) body. Output: one tab-separated line
// per target: name, scrapes, median ms, p99 ms, mean ms, body bytes, series
// (sample lines: each histogram bucket counts), and how many of those series
// are the Go runtime's, the process's and the HTTP handler's (go_,
// process_, promhttp_), which every Go exporter publishes.
//
//	benchscrape -free-ports 2   prints two free loopback ports
//	benchscrape -wait URL...    waits (up to -timeout) until every URL answers 200
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// acceptHeader is what Prometheus 2.42 sends when it scrapes.
const acceptHeader = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

const maxBody = 64 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchscrape", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 300, "scrapes per target")
	freePorts := fs.Int("free-ports", 0, "print this many free loopback ports and exit")
	wait := fs.Bool("wait", false, "wait until every URL argument answers 200, then exit")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline of -wait, and of each scrape")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case *freePorts > 0:
		ports, err := pickPorts(*freePorts)
		if err != nil {
			fmt.Fprintln(stderr, "benchscrape:", err)
			return 1
		}
		for _, p := range ports {
			fmt.Fprintln(stdout, p)
		}
		return 0
	case *wait:
		if err := waitAll(fs.Args(), *timeout); err != nil {
			fmt.Fprintln(stderr, "benchscrape:", err)
			return 1
		}
		return 0
	}
	if *n <= 0 || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "benchscrape: need -n > 0 and at least one name=URL argument")
		return 2
	}
	targets, err := parseTargets(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "benchscrape:", err)
		return 2
	}
	// A redirect is an answer (an error: not 200), never followed: the
	// scrapes stay on the exporters given.
	client := &http.Client{Timeout: *timeout, CheckRedirect: noRedirects.CheckRedirect}
	for i := 0; i < *n; i++ {
		for ti := range targets {
			if err := targets[ti].scrape(client); err != nil {
				fmt.Fprintf(stderr, "benchscrape: %s: %v\n", targets[ti].name, err)
				return 1
			}
		}
	}
	for _, t := range targets {
		s := summarize(t.durations)
		fmt.Fprintf(stdout, "%s\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\n", t.name, len(t.durations),
			ms(s.median), ms(s.p99), ms(s.mean), t.bytes, t.series, t.runtime)
	}
	return 0
}

// parseTargets reads name=URL arguments, each URL on loopback.
func parseTargets(args []string) ([]target, error) {
	var targets []target
	for _, a := range args {
		name, raw, ok := strings.Cut(a, "=")
		if !ok || name == "" || raw == "" {
			return nil, fmt.Errorf("argument %q is not name=URL", a)
		}
		if err := loopback(raw); err != nil {
			return nil, err
		}
		targets = append(targets, target{name: name, url: raw})
	}
	return targets, nil
}

// noRedirects is -wait's client, and the scrapes' redirect policy.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// loopback refuses a URL that is not http:// on a loopback address
// (127.0.0.0/8, ::1) or localhost: the load goes to this machine's
// exporters only, as every load test of the project's does; a URL of any
// host was scraped.
func loopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("%q: want http://HOST:PORT/PATH", raw)
	}
	if h := u.Hostname(); h != "localhost" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("%q: the host is not a loopback address or localhost", raw)
		}
	}
	return nil
}

type target struct {
	name, url string
	durations []time.Duration
	bytes     int
	series    int
	runtime   int // of series: go_, process_, promhttp_
}

func (t *target) scrape(client *http.Client) error {
	req, err := http.NewRequest(http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", acceptHeader)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	t.durations = append(t.durations, elapsed)
	t.bytes = len(body)
	t.series, t.runtime = countSeries(body)
	return nil
}

// countSeries counts the sample lines of a text or OpenMetrics exposition,
// and of those the Go runtime's, process's and handler's.
func countSeries(body []byte) (n, runtime int) {
	for line := range bytes.Lines(body) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		n++
		for _, p := range [][]byte{[]byte("go_"), []byte("process_"), []byte("promhttp_")} {
			if bytes.HasPrefix(line, p) {
				runtime++
				break
			}
		}
	}
	return n, runtime
}

type stats struct{ median, p99, mean time.Duration }

// summarize returns the median, the 99th percentile (nearest rank: the
// ceil(0.99 n)-th smallest) and the mean.
func summarize(d []time.Duration) stats {
	if len(d) == 0 {
		return stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := int(math.Ceil(0.99*float64(len(s)))) - 1
	return stats{median: median, p99: s[rank], mean: sum / time.Duration(len(s))}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pickPorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitAll(urls []string, timeout time.Duration) error {
	for _, u := range urls {
		if err := loopback(u); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for _, u := range urls {
		for {
			err := probe(ctx, u)
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s not ready after %s: %w", u, timeout, err)
			case <-tick.C:
			}
		}
	}
	return nil
}

func probe(ctx context.Context, raw string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return err
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}
