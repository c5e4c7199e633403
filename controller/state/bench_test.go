package state

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// fleetFile is the state of n targets as a controller holds it in steady
// cycles: 20 decisions each (Options.KeepDecisions' default) and a
// stabilisation window of 20 recommendations (5 minutes of 15-second
// cycles).
func fleetFile(n int) File {
	web := fixtureFile().Targets["web"]
	f := File{Version: Version, SavedAt: time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC), Targets: make(map[string]Target, n)}
	for i := range n {
		tg := web
		tg.Decisions = nil
		tg.Policy.Recent = nil
		for k := range 20 {
			d := web.Decisions[k%len(web.Decisions)]
			d.Explanation.Now = d.Explanation.Now.Add(time.Duration(k) * 15 * time.Second)
			d.Explanation.Demand += float64(i) / 7
			tg.Decisions = append(tg.Decisions, d)
			tg.Policy.Recent = append(tg.Policy.Recent, policy.Recommendation{At: d.Explanation.Now, Units: d.Desired})
		}
		f.Targets[fmt.Sprintf("service-%04d", i)] = tg
	}
	return f
}

// BenchmarkSave1000Targets is the persist phase of a steady cycle at
// 1,000 targets: the state file encoded, written, synced and renamed.
func BenchmarkSave1000Targets(b *testing.B) {
	s, err := New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	f := fleetFile(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Save(f); err != nil {
			b.Fatal(err)
		}
	}
	st, err := os.Stat(s.Path())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/1e6, "MB/file")
}
