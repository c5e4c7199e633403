// Command restload is the load generator of the REST benchmark
// (controller/api BenchmarkFleetREST30Targets): a separate process, so that
// its own garbage collection and scheduling are not charged to the server
// it measures, as they are when the clients run in the server's process.
//
//	restload -url http://127.0.0.1:PORT -clients 100 -rounds 20 \
//	         -paths /api/scaling/status,/api/predictions,/api/system/health
//
// Every client holds one keep-alive connection and first makes one warm-up
// request per path (connection set-up is not what is measured); then,
// released together, each makes rounds × len(paths) requests back to back
// (closed loop), paths round-robin from a different one per client. It
// prints one JSON object: the latency percentiles over every measured
// request, per path, the errors and the CPU seconds it used itself.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
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
	flag.Parse()
	if *base == "" || *clients < 1 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "restload: -url is required; -clients and -rounds must be >= 1")
		os.Exit(2)
	}
	res := run(*base, *clients, *rounds, strings.Split(*paths, ","), *all)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "restload:", err)
		os.Exit(1)
	}
}

// sample is one measured request.
type sample struct {
	path  int
	lat   time.Duration
	bytes int64
}

func run(base string, clients, rounds int, paths []string, all bool) Result {
	// Uncompressed answers, read with 64 KiB buffers as browsers and
	// Grafana do rather than Go's 4 KiB default.
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true, ReadBufferSize: 64 << 10}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
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
			buf := make([]byte, 64<<10)
			for k := range paths {
				if _, err := get(client, base+paths[k], buf); err != nil {
					fail(err)
				}
			}
			warm.Done()
			<-start
			mine := make([]sample, 0, rounds*len(paths))
			for r := range rounds * len(paths) {
				k := (c + r) % len(paths)
				t0 := time.Now()
				n, err := get(client, base+paths[k], buf)
				if err != nil {
					fail(err)
					continue
				}
				mine = append(mine, sample{path: k, lat: time.Since(t0), bytes: n})
			}
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		})
	}
	warm.Wait()
	cpu0, t0 := cpuSeconds(), time.Now()
	close(start)
	done.Wait()
	res := summarise(samples, paths, errs, firstErr, time.Since(t0), cpuSeconds()-cpu0)
	if all {
		for _, s := range samples {
			res.Latencies = append(res.Latencies, s.lat.Microseconds())
		}
	}
	return res
}

// get fetches url and reads the whole answer; a status other than 200 is
// an error.
func get(client *http.Client, url string, buf []byte) (int64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, resp.Body, buf)
	_ = resp.Body.Close()
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return n, nil
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

// cpuSeconds is the user and system CPU time this process used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
