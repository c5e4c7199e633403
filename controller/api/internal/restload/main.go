// Command restload is the load generator of the REST benchmark
// (controller/api BenchmarkFleetREST30Targets): a separate process, so that
// its own garbage collection and scheduling are not charged to the server
// it measures, as they are when the clients run in the server's process.
//
//	restload -url http://127.0.0.1:PORT -clients 100 -rounds 20 \
//	         -paths /api/scaling/status,/api/predictions,/api/system/health
//
// Every client holds one keep-alive connection (-client raw, the default: a
// minimal HTTP/1.1 client that writes the request line and reads the
// answer by its Content-Length, so that the load takes less of the cores
// it shares with the server than Go's net/http client, -client nethttp)
// and first makes one warm-up
// request per path (connection set-up is not what is measured); then,
// released together, each makes rounds × len(paths) requests back to back
// (closed loop), paths round-robin from a different one per client. It
// prints one JSON object: the latency percentiles over every measured
// request, per path, the errors and the CPU seconds it used itself.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prescale/prescale/internal/cputime"
)

// Result is what restload prints.
type Result struct {
	Requests int                `json:"requests"`
	Errors   int                `json:"errors"`
	FirstErr string             `json:"first_error,omitempty"`
	P50      float64            `json:"p50_ms"`
	P90      float64            `json:"p90_ms"`
	P99      float64            `json:"p99_ms"`
	Max      float64            `json:"max_ms"`
	PerPath  map[string]Summary `json:"per_path"`
	Seconds  float64            `json:"seconds"`
	CPU      float64            `json:"client_cpu_s"`
	// Latencies are every measured request's, in microseconds (with -all).
	Latencies []int64 `json:"latencies_us,omitempty"`
}

// Summary is one path's latencies and answer size.
type Summary struct {
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Bytes int64   `json:"bytes"`
}

func main() {
	base := flag.String("url", "", "base URL of the server (required)")
	clients := flag.Int("clients", 100, "concurrent keep-alive clients")
	rounds := flag.Int("rounds", 20, "measured rounds per client (one request per path each)")
	paths := flag.String("paths", "/api/scaling/status,/api/predictions,/api/system/health", "comma-separated GET paths")
	all := flag.Bool("all", false, "also print every latency (latencies_us), to pool several runs")
	kind := flag.String("client", "raw", "raw (a minimal HTTP/1.1 client) or nethttp (Go's net/http client)")
	flag.Parse()
	u, err := loopbackURL(*base)
	if err != nil || *clients < 1 || *rounds < 1 || (*kind != "raw" && *kind != "nethttp") {
		fmt.Fprintln(os.Stderr, "restload: -url http://HOST:PORT is required, HOST a loopback address or localhost; -clients and -rounds must be >= 1; -client is raw or nethttp")
		os.Exit(2)
	}
	newClient := rawClient(u.Host)
	if *kind == "nethttp" {
		newClient = netHTTPClient(*base, *clients)
	}
	res := run(newClient, *clients, *rounds, strings.Split(*paths, ","), *all)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "restload:", err)
		os.Exit(1)
	}
}

// loopbackURL parses -url: an http URL whose host is a loopback address
// (127.0.0.0/8, ::1) or localhost. The load goes to this machine's
// servers only, as every load and failure test of the project's does: a
// URL of any host was taken.
func loopbackURL(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want http://HOST:PORT", base)
	}
	if h := u.Hostname(); h != "localhost" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-url %q: the host is not a loopback address or localhost", base)
		}
	}
	return u, nil
}

// sample is one measured request.
type sample struct {
	path  int
	lat   time.Duration
	bytes int64
}

// getter fetches a path over one client's connection and reads the whole
// answer; a status other than 200 is an error.
type getter func(path string) (int64, error)

func run(newClient func() (getter, error), clients, rounds int, paths []string, all bool) Result {
	var (
		mu       sync.Mutex
		samples  []sample
		errs     int
		firstErr string
		warm     sync.WaitGroup
		done     sync.WaitGroup
	)
	start := make(chan struct{})
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if errs++; firstErr == "" {
			firstErr = err.Error()
		}
	}
	warm.Add(clients)
	for c := range clients {
		done.Go(func() {
			get, err := newClient()
			if err != nil {
				fail(err)
				warm.Done()
				return
			}
			for k := range paths {
				if _, err := get(paths[k]); err != nil {
					fail(err)
				}
			}
			warm.Done()
			<-start
			mine := measure(get, c, rounds, paths, fail)
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		})
	}
	warm.Wait()
	cpu0, t0 := cputime.Seconds(), time.Now()
	close(start)
	done.Wait()
	res := summarise(samples, paths, errs, firstErr, time.Since(t0), cputime.Seconds()-cpu0)
	if all {
		for _, s := range samples {
			res.Latencies = append(res.Latencies, s.lat.Microseconds())
		}
	}
	return res
}

// measure is client c's timed requests: rounds passes over paths, each
// client starting at its own path, failed requests handed to fail.
func measure(get getter, c, rounds int, paths []string, fail func(error)) []sample {
	mine := make([]sample, 0, rounds*len(paths))
	for r := range rounds * len(paths) {
		k := (c + r) % len(paths)
		t0 := time.Now()
		n, err := get(paths[k])
		if err != nil {
			fail(err)
			continue
		}
		mine = append(mine, sample{path: k, lat: time.Since(t0), bytes: n})
	}
	return mine
}

// netHTTPClient returns clients of one net/http Transport: uncompressed
// answers, read with 64 KiB buffers as browsers and Grafana do rather than
// Go's 4 KiB default.
func netHTTPClient(base string, clients int) func() (getter, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true, ReadBufferSize: 64 << 10}
	// A redirect is an answer (an error: not 200), never followed: the
	// load stays on the server given.
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return func() (getter, error) {
		buf := make([]byte, 64<<10)
		return func(path string) (int64, error) {
			resp, err := client.Get(base + path)
			if err != nil {
				return 0, err
			}
			n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, resp.Body, buf)
			_ = resp.Body.Close()
			if err != nil {
				return n, err
			}
			if resp.StatusCode != http.StatusOK {
				return n, fmt.Errorf("%s: status %d", path, resp.StatusCode)
			}
			return n, nil
		}, nil
	}
}

// rawClient returns clients that each hold one keep-alive connection to
// host and speak just enough HTTP/1.1: a GET with a Host header, an answer
// framed by its Content-Length (the server under test sets it).
func rawClient(host string) func() (getter, error) {
	return func() (getter, error) {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			return nil, err
		}
		r := bufio.NewReaderSize(conn, 64<<10)
		req := make([]byte, 0, 256)
		return func(path string) (int64, error) {
			req = append(append(append(req[:0], "GET "...), path...), " HTTP/1.1\r\nHost: "...)
			req = append(append(req, host...), "\r\n\r\n"...)
			if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
				return 0, err
			}
			if _, err := conn.Write(req); err != nil {
				return 0, err
			}
			return readAnswer(r, path)
		}, nil
	}
}

// readAnswer reads one HTTP/1.1 answer: the status line, the headers and
// Content-Length bytes of body, which it discards.
func readAnswer(r *bufio.Reader, path string) (int64, error) {
	status, err := r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	ok := bytes.HasPrefix(status, []byte("HTTP/1.1 200 "))
	size := int64(-1)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if found && bytes.EqualFold(name, []byte("Content-Length")) {
			if size, err = strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64); err != nil {
				return 0, fmt.Errorf("%s: bad Content-Length %q", path, value)
			}
		}
	}
	if size < 0 {
		return 0, fmt.Errorf("%s: answer without Content-Length (restload -client raw needs one)", path)
	}
	if _, err := r.Discard(int(size)); err != nil {
		return 0, err
	}
	if !ok {
		return size, fmt.Errorf("%s: %s", path, bytes.TrimSpace(status))
	}
	return size, nil
}

func summarise(all []sample, paths []string, errs int, firstErr string, wall time.Duration, cpu float64) Result {
	res := Result{Requests: len(all), Errors: errs, FirstErr: firstErr, PerPath: map[string]Summary{},
		Seconds: wall.Seconds(), CPU: cpu}
	lat := make([]time.Duration, len(all))
	per := make([][]time.Duration, len(paths))
	size := make([]int64, len(paths))
	for i, s := range all {
		lat[i] = s.lat
		per[s.path] = append(per[s.path], s.lat)
		size[s.path] = s.bytes
	}
	res.P50, res.P90, res.P99 = quantile(lat, 0.5), quantile(lat, 0.9), quantile(lat, 0.99)
	res.Max = quantile(lat, 1)
	for k, p := range paths {
		res.PerPath[p] = Summary{P50: quantile(per[k], 0.5), P99: quantile(per[k], 0.99), Bytes: size[k]}
	}
	return res
}

// quantile is the type-1 empirical p-quantile of lat in milliseconds (0
// when empty); it sorts lat.
func quantile(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	k := min(len(lat)-1, max(0, int(math.Ceil(p*float64(len(lat))))-1))
	return float64(lat[k]) / float64(time.Millisecond)
}
