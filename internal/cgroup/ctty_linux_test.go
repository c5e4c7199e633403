package cgroup

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// cttyChildEnv names, in the child TestReadsTakeNoControllingTerminal
// starts, the reader to try and the terminal to open with it.
const cttyChildEnv = "PRESCALE_CGROUP_CTTY_CHILD"

// TestReadsTakeNoControllingTerminal: a limit file that is a terminal
// (another container's memory.max, a symlink to a pty of its own whose
// other end it holds) opened by a session leader without a controlling
// terminal (an exporter that is its container's first process) does not
// become its controlling terminal: it would be, opened without O_NOCTTY,
// and that container could then stop the exporter by writing ^C to its
// end or hanging it up. Each reader runs in a child of its own session;
// the child reports whether /dev/tty then opens. Fails without O_NOCTTY.
func TestReadsTakeNoControllingTerminal(t *testing.T) {
	if v := os.Getenv(cttyChildEnv); v != "" {
		cttyChild(v)
		return
	}
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer func() { _ = unix.Close(master) }()
	require.NoError(t, unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	require.NoError(t, err)
	pts := fmt.Sprintf("/dev/pts/%d", n)
	for _, reader := range []string{"bounded", "in-root", "no-symlinks"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReadsTakeNoControllingTerminal$")
		cmd.Env = append(os.Environ(), cttyChildEnv+"="+reader+" "+pts)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", reader, out)
		require.Contains(t, string(out), "no controlling terminal", reader)
	}
}

// cttyChild opens the terminal with one reader (refused: not a regular
// file), then says whether the process has a controlling terminal.
func cttyChild(v string) {
	reader, pts, _ := strings.Cut(v, " ")
	var err error
	switch reader {
	case "bounded":
		_, err = ReadBounded(pts)
	case "in-root":
		_, err = ReadBoundedIn("/", strings.TrimPrefix(pts, "/"))
	case "no-symlinks":
		var dir, fd int
		if dir, err = unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			if fd, err = openNoSymlinks(dir, strings.TrimPrefix(pts, "/")); err == nil {
				_, err = readRegular(os.NewFile(uintptr(fd), pts))
			}
		}
	}
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		fmt.Println("reading the terminal:", err)
		os.Exit(1)
	}
	tty, err := os.Open("/dev/tty")
	if err == nil {
		_ = tty.Close()
		fmt.Println(reader, "made", pts, "the controlling terminal")
		os.Exit(1)
	}
	if !errors.Is(err, unix.ENXIO) {
		fmt.Println("/dev/tty:", err)
		os.Exit(1)
	}
	fmt.Println(reader, "no controlling terminal")
}
