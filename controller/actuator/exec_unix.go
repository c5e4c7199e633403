//go:build unix && !linux

package actuator

import (
	"context"
	"os/exec"
	"syscall"
)

// group runs a command as the leader of a new process group and kills that
// group when the command's context ends, as on Linux (exec_linux.go), but
// from exec's Cancel alone: without waitid's WNOWAIT here, the signal can
// follow the leader's reaping when the context ends as the command exits.
type group struct{ cmd *exec.Cmd }

func ownGroup(cmd *exec.Cmd) *group {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return &group{cmd: cmd}
}

func (g *group) run(context.Context) error { return g.cmd.Run() }
