package testkit

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// fatalTB records Fatalf and ends the calling goroutine, as testing.T does;
// it has no Deadline (testing.T's may not be called in a synctest bubble).
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestEventually(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		Eventually(t.Context(), &fatalTB{}, time.Minute, "third time", func() error {
			calls++
			if calls < 3 {
				return errors.New("not yet")
			}
			return nil
		})
		require.Equal(t, 3, calls)

		tb := &fatalTB{}
		done := make(chan struct{})
		start := time.Now()
		go func() {
			defer close(done)
			Eventually(t.Context(), tb, time.Second, "never", func() error { return errors.New("still no") })
		}()
		<-done
		require.Contains(t, tb.msg, "never: not within")
		require.Contains(t, tb.msg, "still no")
		require.GreaterOrEqual(t, time.Since(start), time.Second)
	})
}
