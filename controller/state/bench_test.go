package state

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// fleetFile is the state of n targets as a controller holds it in steady
// cycles: 20 decisions each (Options.KeepDecisions' default), a
// stabilisation window of 20 recommendations (5 minutes of 15-second
// cycles) and the shadow runs' memory (benchShadow).
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
		tg.Shadow = benchShadow(i)
		f.Targets[fmt.Sprintf("service-%04d", i)] = tg
	}
	return f
}

// benchShadow is a full shadow runs' memory at 15-second cycles: 12
// shadow HPAs each with 20 recommendations in its 5-minute window, the
// forecaster's policy state with 20, a day of the wobble's differences
// (288) and the climb's 12.
func benchShadow(i int) *Shadow {
	at := int64(1796580000 + i)
	v := func(k int) float64 { return float64(k*7919%1000)/997 + float64(i)/7 }
	m := &Shadow{Version: ShadowVersion, At: at, Demand: v(1) * 40, Pick: 3,
		Forecaster: Run{Ready: 12, Pending: []float64{float64(at + 300)}, Cost: v(2) * 1e6, Viol: v(3) * 1e3},
		Own:        Run{Ready: 13, Cost: v(4) * 1e6, Viol: v(5) * 1e3},
		Pace:       Pace{Cost: v(6) * 1e6, Events: v(7) * 10, Counted: at},
		Steps:      Steps{At: at, Last: v(8) * 40, Has: true, LastDiff: v(9), HasDiff: true}}
	m.FcPolicy = policy.State{LastDesired: 12, HasLast: true}
	for k := range 20 {
		m.FcPolicy.Recent = append(m.FcPolicy.Recent, policy.Recommendation{At: time.Unix(at-int64(15*k), 0).UTC(), Units: 12})
	}
	for h := range 12 {
		r := HPARun{Run: Run{Ready: 10 + h, Cost: v(10+h) * 1e6, Viol: v(30+h) * 1e3}, Last: 10 + h, Events: v(50 + h), LastEvent: at - 3600}
		for k := range 20 {
			r.Window = append(r.Window, Rec{At: at - int64(15*(19-k)), Raw: 10 + h})
		}
		m.HPAs = append(m.HPAs, r)
	}
	for k := range 288 {
		m.Steps.Wobble = append(m.Steps.Wobble, v(100+k))
	}
	for k := range 12 {
		m.Steps.Climb = append(m.Steps.Climb, v(400+k)-0.5)
	}
	return m
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

// BenchmarkEncode1000Targets is the persist phase's CPU without the file:
// the same fleet's state encoded (the shadow runs' memory through
// appendShadow) into io.Discard.
func BenchmarkEncode1000Targets(b *testing.B) {
	s, err := New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	f := fleetFile(1000)
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.encode(w, f); err != nil {
			b.Fatal(err)
		}
	}
}
