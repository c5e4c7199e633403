package app

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// blockingGatherer counts gathers and holds each until release is closed.
type blockingGatherer struct {
	calls   atomic.Int32
	release chan struct{}
	mfs     []*dto.MetricFamily
}

func (b *blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	b.calls.Add(1)
	<-b.release
	return b.mfs, errors.New("partial")
}

// TestSharedGather: scrapes that arrive while a gather runs share it (one
// collection for ten scrapes); the next scrape gathers afresh.
func TestSharedGather(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &blockingGatherer{release: make(chan struct{}), mfs: []*dto.MetricFamily{{}}}
		s := &sharedGather{g: b}
		var wg sync.WaitGroup
		results := make([][]*dto.MetricFamily, 10)
		errs := make([]error, 10)
		wg.Go(func() { results[0], errs[0] = s.Gather() })
		synctest.Wait() // the first gather is running
		for i := 1; i < 10; i++ {
			wg.Go(func() { results[i], errs[i] = s.Gather() })
		}
		synctest.Wait() // the others wait for it
		close(b.release)
		wg.Wait()
		require.Equal(t, int32(1), b.calls.Load(), "one collection for ten concurrent scrapes")
		for i := range results {
			require.Same(t, b.mfs[0], results[i][0])
			require.EqualError(t, errs[i], "partial", "the error is shared too")
		}
		_, _ = s.Gather()
		require.Equal(t, int32(2), b.calls.Load(), "a later scrape gathers afresh")
	})
}
