package series_test

import (
	"fmt"
	"math"

	"github.com/prescale/prescale/predictor/series"
)

func ExampleDetectSeason() {
	y := make([]float64, 7*288)
	for i := range y {
		y[i] = 50 + 10*math.Sin(2*math.Pi*float64(i)/288)
	}
	fmt.Println(series.DetectSeason(y, 300))
	// Output:
	// 288
}
