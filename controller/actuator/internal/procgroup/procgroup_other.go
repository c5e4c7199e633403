//go:build !unix

package procgroup

import (
	"context"
	"os/exec"
)

// Group leaves the command as it is: process groups are a Unix notion;
// the command alone is killed when its context ends.
type Group struct{ cmd *exec.Cmd }

// Own leaves cmd as it is.
func Own(cmd *exec.Cmd) *Group { return &Group{cmd: cmd} }

// Run runs the command and waits for it.
func (g *Group) Run(context.Context) error { return g.cmd.Run() }
