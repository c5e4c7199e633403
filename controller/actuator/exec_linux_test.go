package actuator

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExecGroupNotSignalledAfterReap: exec calls the command's Cancel when
// its context ends, which can be after Wait reaped the leader (the context
// ending as the command exits); the group's number may then belong to
// another process group (another delivery's command, started since). Such
// a late Cancel signals nothing. Before, it sent SIGKILL to the group
// whatever became of it.
func TestExecGroupNotSignalledAfterReap(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "true")
	g := ownGroup(cmd)
	var killed []int
	g.kill = func(pgid int) error {
		killed = append(killed, pgid)
		return nil
	}
	require.NoError(t, g.run(t.Context()))
	require.NotNil(t, cmd.ProcessState, "reaped")
	require.ErrorIs(t, cmd.Cancel(), os.ErrProcessDone, "the late Cancel of the context's end")
	require.Empty(t, killed, "no signal once the leader is reaped")
}
