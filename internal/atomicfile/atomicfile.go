// Package atomicfile writes the prescale command's outputs (decisions,
// forecasts, plots) through a temporary file renamed over their path, so
// a command stopped half-way leaves no partial file.
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
	path   string
	direct bool // not a regular file: written in place, never renamed
}

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
func Create(path string) (*File, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return openDirect(path)
	}
	name, err := resolveLinks(path)
	if err != nil {
		return nil, err
	}
	return create(name) // errors name the file written, the link's
}

// Resolve is the name of the file path names once its symbolic links are
// followed as Create follows them (path itself when it is not a link):
// where a writer of its own (the controller's state file, prescale run's
// API token file) puts its temporary file and renames it to, so that a
// link stays a link and the file it names is the one written.
func Resolve(path string) (string, error) { return resolveLinks(path) }

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

// create is Create of a path that is not a symbolic link.
func create(path string) (*File, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return openDirect(path)
	}
	f, err := createTemp(path)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil {
		// Replacing a file keeps its permissions, as os.Create does.
		if err := f.Chmod(fi.Mode().Perm()); err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			return nil, err
		}
	}
	return &File{File: f, path: path}, nil
}

// openDirect opens path, not a regular file, to be written in place.
func openDirect(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path, direct: true}, nil
}

// createTemp creates a new file beside path with mode 0666 less the
// umask, the mode os.Create gives (os.CreateTemp's 0600 would leave a
// plot or a CSV unreadable to anyone else once renamed to path).
func createTemp(path string) (*os.File, error) {
	ext := filepath.Ext(path)
	prefix := filepath.Join(filepath.Dir(path), "."+strings.TrimSuffix(filepath.Base(path), ext)+".tmp-")
	for range 100 {
		f, err := os.OpenFile(prefix+strconv.FormatUint(rand.Uint64(), 36)+ext, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			pe.Path = path // the name the user gave, not the temporary one
		}
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("%s: no unused temporary name beside it", path)
}

// Commit closes the temporary file (if still open: a plot is written by
// its name) and renames it to the path; on a failure the temporary file
// is removed. A file written in place (direct) is only closed.
func (a *File) Commit() error {
	err := a.Close()
	if errors.Is(err, os.ErrClosed) {
		err = nil
	}
	if err == nil && !a.direct {
		err = os.Rename(a.Name(), a.path)
	}
	if err != nil && !a.direct {
		_ = os.Remove(a.Name())
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
