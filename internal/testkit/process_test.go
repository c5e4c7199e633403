package testkit

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProcessStopAndLog(t *testing.T) {
	sh, err := exec.LookPath("sh")
	require.NoError(t, err)
	echo := StartProcess(t, "echo", exec.Command(sh, "-c", "echo out; echo err >&2"), filepath.Join(t.TempDir(), "echo.log"))
	require.NoError(t, echo.Err())
	require.Equal(t, "out\nerr\n", echo.LogTail())

	p := StartProcess(t, "sleep", exec.Command(sh, "-c", "exec sleep 600"), filepath.Join(t.TempDir(), "sleep.log"))
	require.False(t, p.Exited())
	p.Stop()
	require.True(t, p.Exited())
	var ee *exec.ExitError
	require.ErrorAs(t, p.Err(), &ee, "ended by SIGTERM, not by itself")
	p.Stop() // a second Stop does nothing
}

func TestBackgroundStopCancelsAndWaits(t *testing.T) {
	returned := false
	stop := Background(context.Background(), t, func(ctx context.Context) error {
		<-ctx.Done()
		returned = true
		return nil
	})
	stop()
	require.True(t, returned, "stop waits for run to return")
	stop()
}

func TestCleanEnv(t *testing.T) {
	t.Setenv("PRESCALE_LISTEN", ":1")
	t.Setenv("HOST_PROC", "/x")
	env := CleanEnv("A=1")
	require.NotContains(t, env, "PRESCALE_LISTEN=:1")
	require.NotContains(t, env, "HOST_PROC=/x")
	require.Equal(t, "A=1", env[len(env)-1])
}
