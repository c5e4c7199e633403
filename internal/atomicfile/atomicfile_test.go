package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAbortKeepsSpecialFile: an output written in place (a named pipe
// here; /dev/null in practice) is closed, not removed, when the command
// fails after opening it (backtest --decisions /dev/null with a plot that
// cannot be written removed /dev/null when run as root).
func TestAbortKeepsSpecialFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = os.ReadFile(fifo) // opens for reading; EOF when the writer closes
	}()
	f, err := Create(fifo)
	require.NoError(t, err)
	require.True(t, f.direct)
	f.Abort()
	<-done
	fi, err := os.Lstat(fifo)
	require.NoError(t, err, "the pipe is still there")
	require.Equal(t, os.ModeNamedPipe, fi.Mode().Type())
}

// TestCreateThroughSymlink: an output path that is a symbolic link (a
// relative one, a chain of two, one naming a file not yet written on
// another directory: a mounted volume) writes the file it names, through
// a temporary file beside that file, and the link stays. Renamed over,
// the link became a regular file holding the output and the file it named
// kept its old content.
func TestCreateThroughSymlink(t *testing.T) {
	dir, vol := t.TempDir(), t.TempDir()
	write := func(path, body string) {
		t.Helper()
		f, err := Create(path)
		require.NoError(t, err)
		_, err = f.WriteString(body)
		require.NoError(t, err)
		require.NoError(t, f.Commit())
	}
	requireLink := func(path, to string) {
		t.Helper()
		got, err := os.Readlink(path)
		require.NoError(t, err, "%s is still a link", path)
		require.Equal(t, to, got)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "real.csv"), []byte("old"), 0o640))
	require.NoError(t, os.Symlink("real.csv", filepath.Join(dir, "out.csv")))
	write(filepath.Join(dir, "out.csv"), "new")
	requireLink(filepath.Join(dir, "out.csv"), "real.csv")
	b, err := os.ReadFile(filepath.Join(dir, "real.csv"))
	require.NoError(t, err)
	require.Equal(t, "new", string(b))
	fi, err := os.Stat(filepath.Join(dir, "real.csv"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "the file's mode is kept")

	require.NoError(t, os.Symlink("out.csv", filepath.Join(dir, "chain.csv")))
	write(filepath.Join(dir, "chain.csv"), "chained")
	requireLink(filepath.Join(dir, "chain.csv"), "out.csv")
	b, err = os.ReadFile(filepath.Join(dir, "real.csv"))
	require.NoError(t, err)
	require.Equal(t, "chained", string(b))

	onVol := filepath.Join(vol, "decisions.csv")
	require.NoError(t, os.Symlink(onVol, filepath.Join(dir, "decisions.csv")))
	write(filepath.Join(dir, "decisions.csv"), "on the volume")
	requireLink(filepath.Join(dir, "decisions.csv"), onVol)
	b, err = os.ReadFile(onVol)
	require.NoError(t, err)
	require.Equal(t, "on the volume", string(b))
	for _, d := range []string{dir, vol} {
		ents, err := os.ReadDir(d)
		require.NoError(t, err)
		for _, e := range ents {
			require.NotContains(t, e.Name(), ".tmp-", "no temporary file left in %s", d)
		}
	}

	require.NoError(t, os.Symlink("loop.csv", filepath.Join(dir, "loop.csv")))
	_, err = Create(filepath.Join(dir, "loop.csv"))
	require.ErrorContains(t, err, "too many levels of symbolic links")
}

// TestCreateThroughFdLink: /dev/fd/N (and /dev/stdout) open on a pipe is
// a link whose text, "pipe:[N]", names no file; it is written in place,
// as before links were followed. Followed, the output went nowhere:
// "open /proc/PID/fd/pipe:[N]: no such file or directory" (prescale
// forecast --out /dev/stdout | head).
func TestCreateThroughFdLink(t *testing.T) {
	if _, err := os.Stat("/dev/fd/0"); err != nil {
		t.Skip("no /dev/fd here")
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer func() { _ = r.Close() }()
	path := "/dev/fd/" + strconv.Itoa(int(w.Fd()))
	f, err := Create(path)
	require.NoError(t, err, "a pipe through its fd link")
	_, err = f.WriteString("through the pipe\n")
	require.NoError(t, err)
	require.NoError(t, f.Commit())
	require.NoError(t, w.Close())
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "through the pipe\n", string(b))
}

// TestCreateThroughLinkDotDot: a link whose text goes up ("..") after a
// directory that is itself a link is resolved as the kernel resolves it,
// from where that directory leads: out.csv -> sub/../real.csv with sub a
// link to vol/deep/inner names vol/deep/real.csv. Read lexically
// (filepath.Join cleans "sub/.." away) it named a/real.csv, a file the
// link does not name, and the temporary file of an absolute such link
// went to the lexical directory, where the rename may cross file systems.
func TestCreateThroughLinkDotDot(t *testing.T) {
	dir, vol := t.TempDir(), t.TempDir()
	inner := filepath.Join(vol, "deep", "inner")
	require.NoError(t, os.MkdirAll(inner, 0o755))
	a := filepath.Join(dir, "a")
	require.NoError(t, os.Mkdir(a, 0o755))
	require.NoError(t, os.Symlink(inner, filepath.Join(a, "sub")))
	named := filepath.Join(vol, "deep", "real.csv")
	for _, to := range []string{"sub/../real.csv", filepath.Join(a, "sub") + "/../real.csv"} {
		link := filepath.Join(a, "out.csv")
		require.NoError(t, os.Symlink(to, link))
		f, err := Create(link)
		require.NoError(t, err)
		require.Equal(t, filepath.Join(vol, "deep"), filepath.Dir(f.Name()), "the temporary file beside %s", named)
		_, err = f.WriteString(to)
		require.NoError(t, err)
		require.NoError(t, f.Commit())
		b, err := os.ReadFile(named)
		require.NoError(t, err, "written where the link %q leads", to)
		require.Equal(t, to, string(b))
		require.NoFileExists(t, filepath.Join(a, "real.csv"))
		require.NoError(t, os.Remove(link))
	}
}
