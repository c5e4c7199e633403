package anomaly_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/prescale/prescale/predictor/anomaly"
)

func ExampleZScoreDetector() {
	// Each sample is scored against the 4 before it: 3 against {2, 3, 4,
	// 2.5} has z = 0.125/0.7395 = 0.169 and scores z/(z+3) = 0.0533.
	d := anomaly.NewZScoreDetector(anomaly.ZScoreConfig{Window: 4, MinSamples: 4})
	for i, y := range []float64{1, 2, 3, 4, 2.5, 3, 9} {
		fmt.Printf("y=%-4v score=%.4f\n", y, d.Update(int64(i)*60, y))
	}
	// Output:
	// y=1    score=0.0000
	// y=2    score=0.0000
	// y=3    score=0.0000
	// y=4    score=0.0000
	// y=2.5  score=0.0000
	// y=3    score=0.0533
	// y=9    score=0.7823
}

func ExampleRobustDetector() {
	// Two weeks of a noisy daily cycle at 5-minute steps, with a spike at
	// row 3000 and nothing else unusual.
	rng := rand.New(rand.NewPCG(1, 2))
	d := anomaly.NewRobustDetector(anomaly.RobustConfig{})
	best, at, over := 0.0, -1, 0
	for i := range 4032 {
		y := 100 + 20*math.Sin(2*math.Pi*float64(i)/288) + 2*rng.NormFloat64()
		if i == 3000 {
			y += 50
		}
		s := d.Update(1_600_000_000+int64(i)*300, y)
		if i >= 600 && s >= 0.5 { // after a warm-up, as NAB's probation
			over++
		}
		if i >= 600 && s > best {
			best, at = s, i
		}
	}
	fmt.Printf("highest score %.2f at row %d; %d rows at or above 0.5\n", best, at, over)
	// Output:
	// highest score 1.00 at row 3000; 1 rows at or above 0.5
}

func ExampleLikelihood() {
	// Raw scores hover around 0.1-0.2, then jump: the likelihood compares
	// the mean of the last 2 with the mean and sd of the 4 before them.
	a := anomaly.NewLikelihood(anomaly.LikelihoodConfig{LongWindow: 4, ShortWindow: 2, MinSamples: 1})
	for _, raw := range []float64{0.1, 0.2, 0.1, 0.2, 0.1, 0.9, 0.9} {
		fmt.Printf("raw=%.1f likelihood score=%.4f\n", raw, a.Update(raw))
	}
	// Output:
	// raw=0.1 likelihood score=0.0000
	// raw=0.2 likelihood score=0.0000
	// raw=0.1 likelihood score=0.0000
	// raw=0.2 likelihood score=0.0301
	// raw=0.1 likelihood score=0.0441
	// raw=0.9 likelihood score=0.9994
	// raw=0.9 likelihood score=1.0000
}
