package controller_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/prescale/prescale/internal/testkit"
)

// peakProbe finds what holds the live heap at its highest, which sets the
// peak (the runtime lets the heap grow to about twice what the last
// collection found live): every period it forces a collection, reads the
// live heap it found, logs it with VmRSS and VmHWM (probe.log) and writes
// a heap profile whenever the live heap is the highest (peak-PHASE.heap)
// or lowest (low-PHASE.heap) of the phase so far. `go tool pprof
// -diff_base low-steady.heap peak-steady.heap` is then what a steady
// cycle adds at its highest. The forced collections change the run's own
// peak: a diagnostic, not a measurement (PRESCALE_BENCH_PEAKPROBE=DIR).
type peakProbe struct {
	dir       string
	phase     atomic.Value
	stop      chan struct{}
	done      chan struct{}
	high, low map[string]uint64
	log       *os.File
}

func startPeakProbe(dir string, period time.Duration) (*peakProbe, error) {
	if dir == "" {
		return nil, nil
	}
	log, err := os.Create(filepath.Join(dir, "probe.log"))
	if err != nil {
		return nil, err
	}
	p := &peakProbe{dir: dir, stop: make(chan struct{}), done: make(chan struct{}),
		high: map[string]uint64{}, low: map[string]uint64{}, log: log}
	p.phase.Store("setup")
	go p.run(period)
	return p, nil
}

// set names the phase the next probes belong to.
func (p *peakProbe) set(phase string) {
	if p != nil {
		p.phase.Store(phase)
	}
}

func (p *peakProbe) run(period time.Duration) {
	defer close(p.done)
	t0 := time.Now()
	for {
		select {
		case <-p.stop:
			return
		case <-time.After(period):
		}
		ph := p.phase.Load().(string)
		runtime.GC()
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		live := s[0].Value.Uint64()
		fmt.Fprintf(p.log, "%.1f s %s live=%.1f MB rss=%.1f MiB hwm=%.1f MiB\n", time.Since(t0).Seconds(), ph,
			float64(live)/1e6, testkit.RSSMB(), testkit.PeakRSSMB())
		if live > p.high[ph] {
			p.high[ph] = live
			p.write("peak-" + ph)
		}
		if lo, ok := p.low[ph]; !ok || live < lo {
			p.low[ph] = live
			p.write("low-" + ph)
		}
	}
}

func (p *peakProbe) write(name string) {
	f, err := os.Create(filepath.Join(p.dir, name+".heap"))
	if err != nil {
		return
	}
	_ = pprof.WriteHeapProfile(f)
	_ = f.Close()
}

func (p *peakProbe) close() {
	if p != nil {
		close(p.stop)
		<-p.done
		_ = p.log.Close()
	}
}
