// Package procgroup runs the exec actuator's command as the leader of a
// process group of its own (on Unix) and stops the whole group, with
// everything the command started, when the command's context ends (its
// timeout, or the controller's shutdown): on Linux SIGTERM first, then
// SIGKILL once the group has ended or a grace of 5 s has passed.
package procgroup
