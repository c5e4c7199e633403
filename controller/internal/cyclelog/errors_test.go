package cyclelog

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUntracked: the errors trackers log are left out of cycle failed, the
// others kept with their target's name.
func TestUntracked(t *testing.T) {
	q := Tracked(errors.New("bad query"))
	err := errors.Join(TargetError{"a", q}, TargetError{"b", errors.Join(q, errors.New("detector"))}, errors.New("save"))
	require.EqualError(t, Untracked(err), "target b: detector\nsave")
	require.NoError(t, Untracked(errors.Join(TargetError{"a", q})))
	require.ErrorIs(t, err, q)
	two := fmt.Errorf("%w: %w", errors.New("save"), errors.New("disk full"))
	require.Same(t, two, Untracked(two), "an error without tracked parts is kept as written")
}
