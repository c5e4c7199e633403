//go:build !unix

package actuator

import (
	"context"
	"os/exec"
)

// group leaves the command as it is: process groups are a Unix notion;
// the command alone is killed when its context ends.
type group struct{ cmd *exec.Cmd }

func ownGroup(cmd *exec.Cmd) *group { return &group{cmd: cmd} }

func (g *group) run(context.Context) error { return g.cmd.Run() }
