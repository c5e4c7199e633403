//go:build ignore

// Command generate writes the forecasting fixtures in this folder (seeded
// PCG, so the files are reproducible). Run from this folder:
// go run generate.go
//
//   - hourly_3weeks.csv: 21 days of hourly demand with a daily and a weekly
//     cycle (weekends at 60 %), multiplicative noise, two spikes and a
//     six-hour gap of missing values.
//   - counter_5m.csv: 3 days of a 5-minute request counter (Prometheus
//     style, increasing) that resets to zero twice.
package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
)

const start = 1_700_006_400 // 2023-11-15 00:00:00 UTC, a Wednesday

func main() {
	hourly()
	counter()
}

func create(name string) (*os.File, *bufio.Writer) {
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "timestamp,value")
	return f, w
}

func done(f *os.File, w *bufio.Writer) {
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func hourly() {
	rng := rand.New(rand.NewPCG(2026, 1))
	f, w := create("hourly_3weeks.csv")
	for i := range 21 * 24 {
		ts := int64(start + i*3600)
		hour := float64(i % 24)
		level := 1000 + 600*math.Sin(2*math.Pi*(hour-9)/24)
		if dow := (ts/86400 + 4) % 7; dow == 0 || dow == 6 {
			level *= 0.6
		}
		v := level * (1 + 0.05*rng.NormFloat64())
		if i == 200 || i == 333 {
			v *= 3
		}
		if i >= 400 && i < 406 {
			fmt.Fprintf(w, "%d,\n", ts)
			continue
		}
		fmt.Fprintf(w, "%d,%.1f\n", ts, v)
	}
	done(f, w)
}

func counter() {
	rng := rand.New(rand.NewPCG(2026, 2))
	f, w := create("counter_5m.csv")
	var c float64
	for i := range 3 * 288 {
		if i == 300 || i == 700 {
			c = 0
		}
		rate := 50 + 30*math.Sin(2*math.Pi*float64(i)/288)
		c += math.Round(rate * (1 + 0.1*rng.NormFloat64()))
		fmt.Fprintf(w, "%d,%.0f\n", start+i*300, c)
	}
	done(f, w)
}
