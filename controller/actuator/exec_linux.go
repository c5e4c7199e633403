//go:build linux

package actuator

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// group runs a command as the leader of a new process group and kills that
// group when the command's context ends: a command that runs others (a
// shell script calling kubectl) leaves no process behind when it times
// out. exec.CommandContext kills only the command itself, and its children
// lived on, one more at every resend while the receiver hung.
//
// The group is signalled only while its leader is not reaped: until then
// the leader's pid, the group's id, is its own (a zombie holds it too).
// Signalled from exec's Cancel alone, it could be sent after Wait had
// reaped the leader (the context ending as the command exited), when the
// number may already belong to another process group.
type group struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	reaped bool // set, under mu, before Wait may reap the leader
	// kill signals a process group (tests record the calls).
	kill func(pgid int) error
}

func ownGroup(cmd *exec.Cmd) *group {
	g := &group{cmd: cmd, kill: func(pgid int) error { return syscall.Kill(-pgid, syscall.SIGKILL) }}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = g.cancel
	return g
}

// cancel is the command's Cancel: it kills the group unless the leader
// may have been reaped.
func (g *group) cancel() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reaped {
		return os.ErrProcessDone
	}
	return g.kill(g.cmd.Process.Pid)
}

// run starts the command, waits for its leader to exit without reaping it
// (waitid with WNOWAIT), kills the group if ctx ended meanwhile (children
// left at the timeout), and only then lets Wait reap it.
func (g *group) run(ctx context.Context) error {
	if err := g.cmd.Start(); err != nil {
		return err
	}
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, g.cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	g.mu.Lock()
	if ctx.Err() != nil {
		_ = g.kill(g.cmd.Process.Pid)
	}
	g.reaped = true
	g.mu.Unlock()
	return g.cmd.Wait()
}
