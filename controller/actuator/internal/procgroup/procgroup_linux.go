//go:build linux

package procgroup

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Group runs a command as the leader of a new process group and stops that
// group when the command's context ends (its timeout, or the controller's
// shutdown): SIGTERM to the group, then SIGKILL to what is left once every
// process of the group has exited or killGrace has passed. A command that
// runs others (a shell script calling kubectl) leaves no process behind
// when it times out. exec.CommandContext kills only the command itself, and its children
// lived on, one more at every resend while the receiver hung. It was
// SIGKILL at once: a scaling script stopped by a restart of the controller
// had no chance to finish or clean up (a Terraform or Ansible run left its
// lock behind).
//
// The group is signalled only while its leader is not reaped: until then
// the leader's pid, the group's id, is its own (a zombie holds it too).
// Signalled from exec's Cancel alone, it could be sent after Wait had
// reaped the leader (the context ending as the command exited), when the
// number may already belong to another process group.
type Group struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	reaped bool // set, under mu, before Wait may reap the leader
	// exited is closed once the leader has exited (not yet reaped) and,
	// when the context ended, the rest of its group too or the grace
	// has passed (awaitGroup).
	exited chan struct{}
	grace  time.Duration // from SIGTERM to SIGKILL
	// kill signals a process group (tests record the calls).
	kill func(pgid int, sig syscall.Signal) error
}

// Own makes cmd the leader of a process group of its own, which its
// context's end stops (cmd.Cancel); call Run to run it.
func Own(cmd *exec.Cmd) *Group {
	g := &Group{cmd: cmd, exited: make(chan struct{}), grace: killGrace,
		kill: func(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = g.cancel
	return g
}

// signal sends sig to the group unless the leader may have been reaped.
func (g *Group) signal(sig syscall.Signal) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reaped {
		return os.ErrProcessDone
	}
	return g.kill(g.cmd.Process.Pid, sig)
}

// cancel is the command's Cancel: SIGTERM to the group, and SIGKILL once
// grace has passed without the group ending (Run kills what is left when
// it has, a zombie leader at least). exec starts its WaitDelay after
// cancel returns.
func (g *Group) cancel() error {
	if err := g.signal(syscall.SIGTERM); err != nil {
		return err
	}
	t := time.NewTimer(g.grace)
	defer t.Stop()
	select {
	case <-g.exited:
	case <-t.C:
		_ = g.signal(syscall.SIGKILL)
	}
	return nil
}

// Run starts the command, waits for its leader to exit without reaping it
// (waitid with WNOWAIT), kills the group if ctx ended meanwhile (children
// left at the timeout or the shutdown), and only then lets Wait reap it.
func (g *Group) Run(ctx context.Context) error {
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
	if ctx.Err() != nil {
		// The leader, still unreaped, keeps the group's id: what it
		// started has the rest of the grace to end on the SIGTERM (a plain
		// script dies on it at once, its Terraform run releases its lock).
		g.awaitGroup(time.Now().Add(g.grace))
	}
	close(g.exited)
	g.mu.Lock()
	if ctx.Err() != nil {
		_ = g.kill(g.cmd.Process.Pid, syscall.SIGKILL)
	}
	g.reaped = true
	g.mu.Unlock()
	return g.cmd.Wait()
}

// killGrace is how long a command stopped by its timeout or the shutdown
// has between SIGTERM and SIGKILL: short enough for the controller to
// save its state within a container runtime's stop timeout (Docker's
// 10 s).
const killGrace = 5 * time.Second

// groupPoll is how often awaitGroup looks for the group's processes.
const groupPoll = 20 * time.Millisecond

// awaitGroup waits until no process of the group but its exited leader is
// running, or until deadline. cancel's SIGKILL at the grace still comes
// (it waits for exited, closed after this). Its time, and the grace's, is
// the real clock's, not the controller's injected one: they bound how long
// real processes run.
func (g *Group) awaitGroup(deadline time.Time) {
	pgid := g.cmd.Process.Pid
	for groupRunning(pgid) && time.Now().Before(deadline) {
		time.Sleep(groupPoll)
	}
}

// groupRunning reports whether a process other than pgid itself, and not
// a zombie, is in process group pgid, from /proc/PID/stat (false without
// /proc: the group then gets SIGKILL at once, as before).
func groupRunning(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	want := strconv.Itoa(pgid)
	for _, e := range ents {
		if e.Name() == want || e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		if liveInGroup(b, want) {
			return true
		}
	}
	return false
}

// liveInGroup reports whether a /proc/PID/stat line is of a process in
// group pgid (decimal) that is not a zombie. The line is
// "pid (comm) state ppid pgrp ...", and comm may hold spaces and ')'.
func liveInGroup(stat []byte, pgid string) bool {
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) >= 3 && f[0] != "Z" && f[2] == pgid
}
