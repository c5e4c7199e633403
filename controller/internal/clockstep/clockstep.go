// Package clockstep moves a controller's persisted times (cooldowns,
// stabilisation windows, manual overrides: state.Target.Shift) back with
// a wall clock that was ahead or stepped back (a VM booted with a wrong
// clock, a bad NTP step, a VM restored from a snapshot), so that they do
// not hold for the clock's error besides.
package clockstep

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prescale/prescale/controller/state"
)

// MaxSkew is how far the clock may move back, or a state file have been
// saved after now, before its times are moved: a restart reads the file
// a moment after it was saved, later by any clock drift.
const MaxSkew = time.Minute

// FromTheFuture moves the times of a state file saved after now (the
// clock was ahead when it was written and has been set right since) back
// by the difference, as if it had been saved now, and warns. Its
// cooldowns, stabilisation windows and manual overrides held for the
// clock's error besides: a file saved a day ahead held every scale-down
// for a day.
//
// A file saved further ahead than a time.Duration reaches (about 292
// years: year 9999, a corrupt or edited file rather than a clock error)
// is an error, as a file that cannot be read: its times cannot be moved
// back by the difference, and moved back by the saturated duration its
// last scale-up stayed centuries ahead and held every scale-up for good.
func FromTheFuture(f *state.File, now time.Time, log *slog.Logger, path string) error {
	ahead := f.SavedAt.Sub(now)
	if ahead <= MaxSkew {
		return nil
	}
	saved := f.SavedAt.UTC().Format(time.RFC3339)
	if !now.Add(ahead).Equal(f.SavedAt) { // the difference saturated
		return fmt.Errorf("state: %s: saved_at %s is %s ahead of this host's clock, further than its times can be moved back (about 292 years); %s",
			path, saved, aheadText(f.SavedAt, now), state.MoveAside)
	}
	Shift(f.Targets, -ahead)
	log.Warn("state file saved in the future (the clock was ahead then, or is behind now): its cooldowns and windows moved back to now",
		"file", path, "saved_at", saved, "ahead", aheadText(f.SavedAt, now))
	f.SavedAt = now
	return nil
}

// Back is how far the wall clock stepped back from last to now, 0 when
// not more than MaxSkew: the wall clock's move less the time elapsed on
// the monotonic clock (an injected clock without readings counts none).
func Back(last, now time.Time) time.Duration {
	elapsed := max(0, now.Sub(last)) // monotonic when both have it
	back := last.Round(0).Sub(now.Round(0)) + elapsed
	if back <= MaxSkew {
		return 0
	}
	return back
}

// Shift moves every target's persisted times by d.
func Shift(targets map[string]state.Target, d time.Duration) {
	for name, ts := range targets {
		ts.Shift(d)
		targets[name] = ts
	}
}

// aheadText is how far saved is after now, as the WARN of FromTheFuture
// logs it: a duration up to three years, whole calendar years beyond
// ("more than 7973 years" for a file saved in year 9999: the difference
// saturates a time.Duration at about 292 years, and logged
// 2562047h47m16.854775807s).
func aheadText(saved, now time.Time) string {
	ahead := saved.Sub(now)
	if ahead < 3*365*24*time.Hour {
		return ahead.Round(time.Second).String()
	}
	n := saved.Year() - now.Year()
	for n > 0 && !now.AddDate(n, 0, 0).Before(saved) {
		n--
	}
	return fmt.Sprintf("more than %d years", n)
}
