//go:build unix && !linux

package procgroup

import (
	"context"
	"os/exec"
	"syscall"
)

// Group runs a command as the leader of a new process group and kills that
// group when the command's context ends, as on Linux (procgroup_linux.go), but
// from exec's Cancel alone: without waitid's WNOWAIT here, the signal can
// follow the leader's reaping when the context ends as the command exits.
type Group struct{ cmd *exec.Cmd }

// Own makes cmd the leader of a process group of its own.
func Own(cmd *exec.Cmd) *Group {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return &Group{cmd: cmd}
}

// Run runs the command and waits for it.
func (g *Group) Run(context.Context) error { return g.cmd.Run() }
