package state

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/cputime"
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
			benchDecision(&d.Explanation, i, k)
			tg.Decisions = append(tg.Decisions, d)
			tg.Policy.Recent = append(tg.Policy.Recent, policy.Recommendation{At: d.Explanation.Now, Units: d.Desired})
		}
		tg.Shadow = benchShadow(i)
		f.Targets[fmt.Sprintf("service-%04d", i)] = tg
	}
	return f
}

// benchDecision makes e the k-th decision of target i as a running
// controller makes them: its times read from the clock (nanoseconds),
// its demand, forecast, confidence and scores numbers of full precision
// (their shortest decimals 15-17 digits), with the peak's quantiles;
// the configuration's numbers (coverage, thresholds) stay as they are.
func benchDecision(e *policy.Explanation, i, k int) {
	v := func(j int) float64 { return float64((i*31+k*7919+j*104729)%100003) / 99991 }
	e.Now = e.Now.Add(time.Duration(k)*15*time.Second + time.Duration(v(0)*1e9))
	e.WindowStart, e.WindowEnd = e.Now, e.Now.Add(5*time.Minute)
	e.Demand += float64(i)/7 + v(1)
	e.MeanUsed += v(2)
	e.UpperUsed += v(3)
	e.Confidence = 0.7 + v(4)/4
	e.AnomalyScore = v(5)
	e.ExceedanceProbability = v(6) / 10
	e.Peak = &policy.Peak{P50: e.MeanUsed * v(7), P90: e.MeanUsed * (1 + v(8)), P99: e.UpperUsed * (1 + v(9))}
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
	cpu := cputime.Seconds()
	for b.Loop() {
		if err := s.Save(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Seconds()-cpu)*1e3/float64(b.N), "cpu-ms/op")
	st, err := os.Stat(s.Path())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/1e6, "MB/file")
	for part, n := range fileParts(b, f) {
		b.ReportMetric(float64(n)/1e6, "MB_"+part)
	}
}

// fileParts is what each part of f weighs in the file (bytes): the
// targets' decisions, shadow runs' memories and policy states (each what
// the targets' encodings lose without it), and the rest (names, costs,
// acknowledgements, the file's own fields).
func fileParts(b *testing.B, f File) map[string]int {
	b.Helper()
	size := func(v any) int {
		js, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return len(js)
	}
	parts := map[string]int{"file": size(f)}
	for _, t := range f.Targets {
		all := size(t)
		without := t
		without.Decisions = nil
		parts["decisions"] += all - size(without)
		without = t
		without.Shadow = nil
		parts["shadow"] += all - size(without)
		without = t
		without.Policy = policy.State{}
		parts["policy"] += all - size(without)
	}
	parts["rest"] = parts["file"] - parts["decisions"] - parts["shadow"] - parts["policy"]
	delete(parts, "file")
	return parts
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
	cpu := cputime.Seconds()
	for b.Loop() {
		if err := s.encode(w, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Seconds()-cpu)*1e3/float64(b.N), "cpu-ms/op")
}
