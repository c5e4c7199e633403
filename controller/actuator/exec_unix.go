//go:build unix

package actuator

import (
	"os/exec"
	"syscall"
)

// ownGroup makes the command the leader of a new process group and kills
// that group when the command's context ends: a command that runs others
// (a shell script calling kubectl) leaves no process behind when it times
// out. exec.CommandContext kills only the command itself, and its children
// lived on, one more at every resend while the receiver hung.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
