//go:build !linux

package cgroup

import "path/filepath"

// ReadBoundedIn is ReadBounded of root joined with name: only Linux has
// /proc/<pid>/root, another process's root, and openat2.
func ReadBoundedIn(root, name string) ([]byte, error) {
	return ReadBounded(filepath.Join(root, name))
}
