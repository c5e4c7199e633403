package scrapebudget

import (
	"testing"
	"time"
)

// FuzzTimeout reads any X-Prometheus-Scrape-Timeout-Seconds header: a
// timeout it accepts leaves at least half of it, and never more than the
// hour it allows.
func FuzzTimeout(f *testing.F) {
	for _, s := range []string{"10", "0.5", "1e3", "NaN", "-1", "3600.000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := Timeout(v)
		if !ok {
			if d != 0 {
				t.Fatalf("%q refused with %v", v, d)
			}
			return
		}
		if d <= 0 || d > time.Hour {
			t.Fatalf("%q read as %v", v, d)
		}
	})
}
