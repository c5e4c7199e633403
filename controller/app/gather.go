package app

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// sharedGather lets concurrent scrapes of /metrics share one gather: a
// scrape arriving while a gather runs waits for it and encodes its result
// instead of collecting everything again. With prescale run's registry
// (the exporter's /proc reads, the TSDB's and the engine's metrics) 40
// concurrent scrapers otherwise cost 40 collections at once, enough on 2
// cores to push scrapes past the server's write timeout. The shared
// result is at most one gather older than the request; it is only read.
type sharedGather struct {
	g   prometheus.Gatherer
	mu  sync.Mutex
	cur *gatherCall
}

type gatherCall struct {
	done chan struct{}
	mfs  []*dto.MetricFamily
	err  error
}

var _ prometheus.Gatherer = (*sharedGather)(nil)

func (s *sharedGather) Gather() ([]*dto.MetricFamily, error) {
	s.mu.Lock()
	if c := s.cur; c != nil {
		s.mu.Unlock()
		<-c.done
		return c.mfs, c.err
	}
	c := &gatherCall{done: make(chan struct{})}
	s.cur = c
	s.mu.Unlock()
	defer func() { // also when the gatherer panics: waiters are released
		s.mu.Lock()
		s.cur = nil
		s.mu.Unlock()
		close(c.done)
	}()
	c.mfs, c.err = s.g.Gather()
	return c.mfs, c.err
}
