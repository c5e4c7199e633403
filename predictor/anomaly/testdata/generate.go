//go:build ignore

// Command generate writes the anomaly detector fixtures in this folder:
// seeded synthetic 5-minute series of 4032 rows (14 days) with one labelled
// anomaly each and a NAB-style label window (10 % of the rows, centred on
// the anomaly). Run from this folder: go run generate.go
package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
)

const (
	rows  = 4032
	day   = 288
	start = 1_600_000_000
)

func base(rng *rand.Rand, i int) float64 {
	return 100 + 20*math.Sin(2*math.Pi*float64(i)/day) + 2*rng.NormFloat64()
}

func write(name string, at int, value func(rng *rand.Rand, i int) float64) {
	rng := rand.New(rand.NewPCG(2026, uint64(len(name))))
	f, err := os.Create(name)
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "timestamp,value,label")
	half := rows / 10 / 2
	for i := range rows {
		label := 0
		if i >= at-half && i <= at+half {
			label = 1
		}
		fmt.Fprintf(w, "%d,%.4f,%d\n", start+300*i, value(rng, i), label)
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	write("spike.csv", 3000, func(rng *rand.Rand, i int) float64 {
		y := base(rng, i)
		if i == 3000 {
			y += 50
		}
		return y
	})
	write("level_shift.csv", 2500, func(rng *rand.Rand, i int) float64 {
		y := base(rng, i)
		if i >= 2500 {
			y += 30
		}
		return y
	})
	// A flat stretch of half a day where the cycle should rise and fall.
	write("daily_flat.csv", 3000, func(rng *rand.Rand, i int) float64 {
		y := base(rng, i)
		if i >= 3000 && i < 3000+day/2 {
			y = 100 + 2*rng.NormFloat64()
		}
		return y
	})
}
