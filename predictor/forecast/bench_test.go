package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// synthetic returns n samples of a 5-minute series with a daily and a
// weekly cycle, a slow trend and Gaussian noise (seeded PCG).
func synthetic(n int, seed uint64) ([]int64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := make([]int64, n)
	y := make([]float64, n)
	for i := range n {
		t[i] = 1_400_000_000 + int64(i)*300
		day := 2 * math.Pi * float64(i) / 288
		week := 2 * math.Pi * float64(i) / 2016
		y[i] = 100 + 30*math.Sin(day) + 10*math.Sin(week) + 0.002*float64(i) + 5*rng.NormFloat64()
	}
	return t, y
}

func BenchmarkPredict(b *testing.B) {
	for _, n := range []int{288, 1008, 4032, 8064} {
		t, y := synthetic(n, 42)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Predict(t, y, 12, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
