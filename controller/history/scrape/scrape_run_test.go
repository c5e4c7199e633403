package scrape

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// countingGatherer counts its gathers and returns nothing.
type countingGatherer struct{ n atomic.Int32 }

func (g *countingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.n.Add(1)
	return nil, nil
}

// TestScraperRunWaitsAnInterval: Run's first scrape is one interval after
// it starts, the caller having scraped once before its first cycle. It
// scraped at once, so a fresh store's first two samples were milliseconds
// apart and rate() over them was noise that prescale run decided on (a
// busy host's CPU demand of 0, with data present).
func TestScraperRunWaitsAnInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &countingGatherer{}
		sc := NewScraper(nil, nil, g, Target{Job: "self", URL: "localhost:9111"}, time.Second)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			sc.Run(ctx, 15*time.Second, time.Now, slog.New(slog.DiscardHandler))
			close(done)
		}()
		synctest.Wait()
		require.Zero(t, g.n.Load(), "no scrape before the first interval has passed")
		time.Sleep(15 * time.Second)
		synctest.Wait()
		require.EqualValues(t, 1, g.n.Load())
		time.Sleep(30 * time.Second)
		synctest.Wait()
		require.EqualValues(t, 3, g.n.Load())
		cancel()
		<-done
	})
}
