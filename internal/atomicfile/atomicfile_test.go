package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
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
	path, written := testkit.FdPipe(t)
	f, err := Create(path)
	require.NoError(t, err, "a pipe through its fd link")
	_, err = f.WriteString("through the pipe\n")
	require.NoError(t, err)
	require.NoError(t, f.Commit())
	require.Equal(t, "through the pipe\n", string(written()))
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

// TestCommitDurable: Durable syncs the directory of the file a link names,
// after the new file is in place there; its failure is Commit's, naming
// the path. Without Options no directory is synced (the command's outputs).
func TestCommitDurable(t *testing.T) {
	dir, vol := t.TempDir(), t.TempDir()
	link := filepath.Join(dir, "state.json")
	named := filepath.Join(vol, "real.json")
	require.NoError(t, os.Symlink(named, link))
	var synced []string
	syncDir = func(d string) error {
		_, err := os.Stat(named)
		require.NoError(t, err, "the directory is synced after the rename")
		synced = append(synced, d)
		return nil
	}
	t.Cleanup(func() { syncDir = fsyncDir })
	require.NoError(t, WriteFile(link, []byte("{}"), Options{Durable: true}))
	require.Equal(t, []string{vol}, synced)
	require.NoError(t, WriteFile(link, []byte("{}"), Options{}))
	require.Equal(t, []string{vol}, synced, "not durable: no sync")

	syncDir = func(string) error { return errors.New("disk gone") }
	err := WriteFile(link, []byte("{}"), Options{Durable: true})
	require.EqualError(t, err, named+": sync directory: disk gone")
	require.NoError(t, fsyncDir(vol), "the real fsync works on a directory")
}

// TestCreatePerm: Perm is the mode the temporary file is created with,
// before anything is written to it (a secret is never readable by others),
// and the file's over one of another mode, which Create keeps.
func TestCreatePerm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-token")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	f, err := CreateWith(path, Options{Perm: 0o600})
	require.NoError(t, err)
	fi, err := f.Stat()
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the temporary file")
	_, err = f.WriteString("secret")
	require.NoError(t, err)
	require.NoError(t, f.Commit())
	fi, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "not the replaced file's 0644")

	require.NoError(t, WriteFile(path, []byte("out"), Options{}))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "without Perm, the replaced file's")
}

// TestCreatePermRefusesInPlace: with Perm, a path that is no regular file
// (/dev/fd/N open on a pipe, as /dev/stdout in a pipeline; /dev/null) is
// refused, naming the path, and nothing is written to it: a secret
// written in place would be shown, with the device's mode.
func TestCreatePermRefusesInPlace(t *testing.T) {
	require.ErrorContains(t, WriteFile(os.DevNull, nil, Options{Perm: 0o600}), os.DevNull+": not a regular file")
	path, written := testkit.FdPipe(t)
	require.ErrorContains(t, WriteFile(path, []byte("secret"), Options{Perm: 0o600}), path+": not a regular file")
	require.Empty(t, written(), "nothing written to the pipe")
}

// TestCreateErrorNamesThePath: a file that cannot be created is named as
// given (the file a link names), not by its temporary file's name, and
// the error says it was the temporary file beside it that could not be
// created (a directory not writable: the state file's own name alone
// sent an operator to the file, which was fine).
func TestCreateErrorNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "out.csv")
	_, err := Create(path)
	require.ErrorContains(t, err, "create a temporary file beside "+path+": no such file or directory")
	require.NotContains(t, err.Error(), ".tmp-")
}

// TestTemps: the temporary files a crash left beside the file a link
// names are listed; another file's there, and the file itself, are not.
func TestTemps(t *testing.T) {
	dir, vol := t.TempDir(), t.TempDir()
	link := filepath.Join(dir, "state.json")
	require.NoError(t, os.Symlink(filepath.Join(vol, "real.json"), link))
	for _, n := range []string{"real.json", ".real.tmp-1.json", ".real.tmp-abc.json", ".other.tmp-1.json", ".real.tmp-.json", ".real.tmp-1.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(vol, n), nil, 0o600))
	}
	f, err := Create(link)
	require.NoError(t, err)
	got, err := Temps(link)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{f.Name(), filepath.Join(vol, ".real.tmp-1.json"), filepath.Join(vol, ".real.tmp-abc.json")}, got)
	f.Abort()
}
