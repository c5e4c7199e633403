package cyclelog

import "errors"

// ErrHistory marks a cycle error caused by the history source.
var ErrHistory = errors.New("history source unavailable")

// tracked is a target's error that an outage log reports (the history
// source's, the target's query's, the state file's saves), so the loop
// does not log it again as a failed cycle.
type tracked struct{ error }

func (e tracked) Unwrap() error { return e.error }

// Tracked marks err as reported by an outage log (see Untracked).
func Tracked(err error) error { return tracked{err} }

// TargetError is a target's part of a cycle's error.
type TargetError struct {
	Name string
	Err  error
}

func (e TargetError) Error() string { return "target " + e.Name + ": " + e.Err.Error() }
func (e TargetError) Unwrap() error { return e.Err }

// Untracked is err (a cycle's, errors.Join of its targets') without the
// errors an outage log reports; nil when nothing else failed.
func Untracked(err error) error {
	_, rest := dropTracked(err)
	return rest
}

// dropTracked reports whether err has tracked parts, and returns err
// without them (err as written when it has none).
func dropTracked(err error) (bool, error) {
	switch e := err.(type) { //nolint:errorlint // walks the joins and targets themselves, not the chain
	case nil:
		return false, nil
	case tracked:
		return true, nil
	case TargetError:
		dropped, rest := dropTracked(e.Err)
		if !dropped {
			return false, err
		}
		if rest == nil {
			return true, nil
		}
		return true, TargetError{e.Name, rest}
	case interface{ Unwrap() []error }:
		var rest []error
		some := false
		for _, x := range e.Unwrap() {
			dropped, r := dropTracked(x)
			some = some || dropped
			if r != nil {
				rest = append(rest, r)
			}
		}
		if !some {
			return false, err // a join, or fmt's %w: %w, kept as written
		}
		return true, errors.Join(rest...)
	}
	return false, err
}
