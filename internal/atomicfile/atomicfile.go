// Package atomicfile is prescale's one writer of files replaced whole:
// the prescale command's outputs (decisions, forecasts, plots), the
// controller's state file and prescale run's API token file. Each is
// written through a temporary file renamed over its path, so a process
// stopped half-way leaves no partial file; Options add an exact mode (a
// secret's 0600) and durability (fsync of the file and its directory).
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File is an output written through a temporary file in the same
// directory and renamed over its path by Commit, so a command stopped by
// SIGTERM or failing half-way leaves no partial output (and an old file
// of that name untouched).
type File struct {
	*os.File
	path    string
	direct  bool // not a regular file: written in place, never renamed
	durable bool
}

// Options are what a writer asks beyond Create's defaults.
type Options struct {
	// Perm, when not zero, is the mode the file is created with (less the
	// umask), whatever the mode of a file it replaces: the API token's
	// 0600, never readable by others, not even while it is written. A
	// path that is not a regular file is then refused, not written in
	// place: a device or a pipe (/dev/stdout) keeps its own mode, and a
	// secret written there would be shown. Zero: the mode os.Create
	// gives (0666 less the umask), or the replaced file's.
	Perm fs.FileMode
	// Durable syncs the file's data before the rename and its directory
	// after, so that a power failure leaves the old file or the new one,
	// not an empty one or none: without the directory's own fsync the
	// rename may not be on disk (the controller's state file).
	Durable bool
}

// syncDir flushes a directory's entries to disk (tests replace it).
var syncDir = fsyncDir

// Create opens a temporary file beside path; its name keeps path's
// extension (the plot writer chooses the format by it). A path that
// exists and is not a regular file (/dev/null, a named pipe, /dev/stdout)
// is written directly: renaming over it would replace the device. A path
// that is a symbolic link is followed to the file it names (which may not
// exist yet), and that file is written through a temporary file beside it
// (on its file system, a mounted volume's say): the link stays, as
// writing through it in place keeps it; renamed over, the link became a
// regular file and the file it named was left as it was.
//
// Whether path is a file to replace is asked of what it names first, links
// followed by the kernel: /dev/stdout or /dev/fd/N open on a pipe or a
// socket is a link whose text ("pipe:[N]") names no file, written in place.
func Create(path string) (*File, error) { return CreateWith(path, Options{}) }

// CreateWith is Create with the options o.
func CreateWith(path string, o Options) (*File, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if o.Perm != 0 {
			return nil, fmt.Errorf("%s: not a regular file (%s): refusing to write a file of mode %#o in place", path, fi.Mode().Type(), o.Perm)
		}
		return openDirect(path)
	}
	name, err := resolveLinks(path)
	if err != nil {
		return nil, err
	}
	return create(name, o) // errors name the file written, the link's
}

// WriteFile writes b to path as CreateWith and Commit do.
func WriteFile(path string, b []byte, o Options) error {
	f, err := CreateWith(path, o)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// Temps lists the temporary files Create made beside the file path names
// (its links followed) that no Commit or Abort removed: a crash left them.
// Only the holder of path (its data directory's lock) may remove them.
func Temps(path string) ([]string, error) {
	name, err := resolveLinks(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(name)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	prefix, ext := tempAffixes(name)
	var out []string
	for _, e := range ents {
		n := e.Name()
		if len(n) > len(prefix)+len(ext) && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ext) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}

// resolveLinks follows path while it is a symbolic link, as the kernel
// does (a relative link from the directory holding it, at most 40 links),
// to the name of a file that is not one or does not exist. A link's text
// is never cleaned lexically: "sub/../x" goes up from where sub leads, as
// the kernel takes it, when sub is a link too; the name returned has its
// directory resolved so (physical), so that the temporary file beside it
// is on its file system.
func resolveLinks(path string) (string, error) {
	p := path
	for i := range 40 {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			if i > 0 {
				p = physical(p)
			}
			return p, nil // not a link, or absent: created at p
		}
		to, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			// The directory resolved first: "../x" is from where it is.
			dir, err := filepath.EvalSymlinks(rawDir(p))
			if err != nil {
				return "", err
			}
			to = dir + string(filepath.Separator) + to
		}
		p = to
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// rawDir is the directory part of p as written, not cleaned (filepath.Dir
// would take "a/sub/.." for "a": the kernel goes up from where sub leads).
func rawDir(p string) string {
	switch i := strings.LastIndexByte(p, filepath.Separator); {
	case i < 0:
		return "."
	case i == 0:
		return string(filepath.Separator)
	default:
		return p[:i]
	}
}

// physical is p with its directory's links and ".." resolved as the
// kernel resolves them, or p when that directory cannot be (creating the
// file there then fails with the kernel's own error).
func physical(p string) string {
	i := strings.LastIndexByte(p, filepath.Separator)
	if i < 0 {
		return p // in the working directory
	}
	dir, err := filepath.EvalSymlinks(rawDir(p))
	if err != nil {
		return p
	}
	return filepath.Join(dir, p[i+1:])
}

// create is CreateWith of a path that is not a symbolic link.
func create(path string, o Options) (*File, error) {
	perm := o.Perm
	if perm == 0 {
		perm = 0o666
	}
	f, err := createTemp(path, perm)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && o.Perm == 0 {
		// Replacing a file keeps its permissions, as os.Create does.
		if err := f.Chmod(fi.Mode().Perm()); err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			return nil, err
		}
	}
	return &File{File: f, path: path, durable: o.Durable}, nil
}

// openDirect opens path, not a regular file, to be written in place.
func openDirect(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path, direct: true}, nil
}

// createTemp creates a new file beside path with mode perm less the
// umask (0666 for an output, the mode os.Create gives: os.CreateTemp's
// 0600 would leave a plot or a CSV unreadable to anyone else once renamed
// to path).
func createTemp(path string, perm fs.FileMode) (*os.File, error) {
	prefix, ext := tempAffixes(path)
	prefix = filepath.Join(filepath.Dir(path), prefix)
	for range 100 {
		f, err := os.OpenFile(prefix+strconv.FormatUint(rand.Uint64(), 36)+ext, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
				// The file that could not be created is the temporary one:
				// a directory that is not writable, not path, is the cause.
				pe.Op = "create a temporary file beside"
			}
			return f, named(err, path)
		}
	}
	return nil, fmt.Errorf("%s: no unused temporary name beside it", path)
}

// tempAffixes are what the name of a temporary file of path starts and
// ends with, around a random part: ".NAME.tmp-" and path's extension.
func tempAffixes(path string) (prefix, ext string) {
	ext = filepath.Ext(path)
	return "." + strings.TrimSuffix(filepath.Base(path), ext) + ".tmp-", ext
}

// named is err with the path of a *fs.PathError made path: the name the
// user gave, not the temporary file's.
func named(err error, path string) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		pe.Path = path
	}
	return err
}

// Commit closes the temporary file (if still open: a plot is written by
// its name) and renames it to the path; on a failure the temporary file
// is removed. A file written in place (direct) is only closed. Durable:
// the file is synced before it is closed and its directory after the
// rename.
func (a *File) Commit() error {
	var err error
	if a.durable && !a.direct {
		err = named(a.Sync(), a.path)
	}
	if cerr := a.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
		err = named(cerr, a.path)
	}
	if a.direct {
		return err
	}
	if err == nil {
		err = os.Rename(a.Name(), a.path)
	}
	if err != nil {
		_ = os.Remove(a.Name())
		return err
	}
	if a.durable {
		if err := syncDir(filepath.Dir(a.path)); err != nil {
			return fmt.Errorf("%s: sync directory: %w", a.path, err)
		}
	}
	return nil
}

// fsyncDir flushes a directory's entries to disk.
func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort closes and removes the temporary file. A file written in place
// (direct: /dev/null, a named pipe) is only closed: removing it removed
// the device.
func (a *File) Abort() {
	_ = a.Close()
	if !a.direct {
		_ = os.Remove(a.Name())
	}
}
