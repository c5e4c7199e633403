package series

import (
	"math"
	"sync"
)

// CalendarFeatures is the number of calendar features Calendar appends.
const CalendarFeatures = 7

// Calendar appends the calendar features of unix time tj: sine and
// cosine of the first two harmonics of the time of day, of the first
// harmonic of the time of week, and a weekend (Saturday or Sunday, UTC)
// indicator.
func Calendar(tj int64, f []float64) []float64 {
	day := float64(((tj%86400)+86400)%86400) / 86400
	week := float64(((tj%604800)+604800)%604800) / 604800
	for k := 1; k <= 2; k++ {
		a := 2 * math.Pi * float64(k) * day
		f = append(f, math.Sin(a), math.Cos(a))
	}
	a := 2 * math.Pi * week
	f = append(f, math.Sin(a), math.Cos(a))
	// Unix day 0 was a Thursday: days 2 and 3 mod 7 are Sat and Sun.
	days := tj / 86400
	if tj < 0 && tj%86400 != 0 {
		days--
	}
	dow := (days%7 + 7) % 7
	we := 0.0
	if dow == 2 || dow == 3 {
		we = 1
	}
	return append(f, we)
}

// calendarTables holds the calendar tables built so far (one per step,
// offset of the sample grid within a step and length), shared read only by the models
// that use them: a week of phases is the same table for every series on
// that grid, since the features of a time and of the time a week later are
// equal.
var calendarTables struct {
	sync.Mutex
	m map[[3]int64][]float64
}

// calendarTablesMax bounds the shared tables; beyond it, models compute the
// features directly (the same values).
const calendarTablesMax = 64

// CalendarTable returns the calendar features of the n phases t0 + k*step,
// k < n, CalendarFeatures each (nil when too many tables exist already).
func CalendarTable(step, t0 int64, n int) []float64 {
	key := [3]int64{step, t0, int64(n)}
	calendarTables.Lock()
	defer calendarTables.Unlock()
	if tab, ok := calendarTables.m[key]; ok {
		return tab
	}
	if len(calendarTables.m) >= calendarTablesMax {
		return nil
	}
	tab := make([]float64, 0, n*CalendarFeatures)
	for k := range n {
		tab = Calendar(t0+int64(k)*step, tab)
	}
	if calendarTables.m == nil {
		calendarTables.m = map[[3]int64][]float64{}
	}
	calendarTables.m[key] = tab
	return tab
}
