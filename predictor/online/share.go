package online

import (
	"cmp"
	"math"
	"slices"
)

// Members of an Ensemble hold the same numbers where their configurations
// make them so; a later member then reads an earlier one's (linkShared)
// instead of holding a copy, one per target of a controller:
//
//   - the highest value of the calibration window (CapAtWindowMax), a
//     deque over the values on the model's scale: the same for every
//     member with the same LogOffset and Window;
//   - the week of levels of a member whose level is the highest of its
//     last LevelWindow values (the reactive members): each is the highest
//     of those levels of a member whose level is each value (LevelAlpha 1,
//     the same LogOffset) but where missing values (that member carries
//     its last level over them) or rounding (its level moves by the whole
//     step, y - lvl, which is not always exactly y) make them differ. The
//     member notes those samples as it records them (levelExc): a few
//     around gaps, so 8 KB at 5-minute samples is held once, not twice.
//
// What every member reads stays what it read from its own copy.

// levelExc is a level of a member whose levels are read from another's
// (Forecaster.levelFrom) that differs from what they give.
type levelExc struct {
	at int // sample index
	v  float32
}

// linkShared links each member to an earlier one that holds what it would
// hold (see above). The earlier one keeps LevelWindow-1 more levels for
// a member that reads its levels: the oldest level read is the highest of
// those before it.
func linkShared(members []*Forecaster) {
	for i, m := range members {
		for _, src := range members[:i] {
			if m.maxFrom == nil && m.cfg.CapAtWindowMax && src.cfg.CapAtWindowMax && src.maxFrom == nil &&
				src.cfg.LogOffset == m.cfg.LogOffset && src.cfg.Window == m.cfg.Window {
				m.maxFrom = src
			}
			if m.levelFrom == nil && m.cfg.LevelWindow > 1 && src.cfg.LevelWindow <= 1 && src.cfg.LevelAlpha == 1 &&
				src.cfg.LogOffset == m.cfg.LogOffset {
				m.levelFrom = src
				src.keep = max(src.keep, m.keep+m.cfg.LevelWindow-1)
			}
		}
	}
}

// levelAt is the level after sample j (held: f.off <= j < f.n).
func (f *Forecaster) levelAt(j int) float32 {
	if f.levelFrom == nil {
		return f.level[j-f.off]
	}
	if len(f.levelExc) > 0 { // (mostly none)
		if k, ok := slices.BinarySearchFunc(f.levelExc, j, func(e levelExc, j int) int { return cmp.Compare(e.at, j) }); ok {
			return f.levelExc[k].v
		}
	}
	return f.levelFrom.windowMax(j, f.cfg.LevelWindow)
}

// windowMax is the highest of the levels after samples j-w+1..j (from 0).
func (f *Forecaster) windowMax(j, w int) float32 {
	v := f.level[j-f.off]
	for t := max(0, j-w+1); t < j; t++ {
		v = max(v, f.level[t-f.off])
	}
	return v
}

// noteLevel records v as the level after sample f.n of a member whose
// levels are read from another's: noted when they give another number.
func (f *Forecaster) noteLevel(v float32) {
	if math.Float32bits(v) != math.Float32bits(f.levelFrom.windowMax(f.n, f.cfg.LevelWindow)) {
		f.levelExc = append(f.levelExc, levelExc{at: f.n, v: v})
	}
}

// trimShared drops the noted levels before the last keep samples.
func (f *Forecaster) trimShared() {
	if len(f.levelExc) == 0 {
		return
	}
	k := 0
	for k < len(f.levelExc) && f.levelExc[k].at < f.n-f.keep {
		k++
	}
	if k > 0 {
		f.levelExc = slices.Delete(f.levelExc, 0, k)
	}
}

// windowMaxOf is the forecaster whose deque of the window's highest
// values f reads (CapAtWindowMax): its own, or the one it is linked to.
func (f *Forecaster) windowMaxOf() *Forecaster {
	if f.maxFrom != nil {
		return f.maxFrom
	}
	return f
}
