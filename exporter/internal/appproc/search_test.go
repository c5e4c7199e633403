package appproc

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestForgottenProcessNamedWhenOnlyOthersRemain: a process the exporter
// forgot (it vanished between two reads) with only the processes that ran
// beside it left is named in the error, as one found gone at a search is;
// it said "no process named" though processes of the name run.
func TestForgottenProcessNamedWhenOnlyOthersRemain(t *testing.T) {
	p := newFakeProc(t)
	p.start(7, "app", 50)
	p.start(9, "app", 100)
	f := NewFinder("app", nil, nil, nil)
	pid, err := f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(7), pid)
	p.exit(7)
	f.Forget(7)
	_, err = f.Find(p.ctx())
	require.EqualError(t, err, `process 7 named "app" is gone and every other process of the name (1) ran beside it, so are not taken for its restart (restart the exporter to take the oldest)`)
}

// TestSeveralMatchesWarnAgainOnAChange: the WARN about several matches is
// logged again when their count changes for the same pid, and when they
// are several again after a search that found one.
func TestSeveralMatchesWarnAgainOnAChange(t *testing.T) {
	p := newFakeProc(t)
	p.start(7, "app", 50)
	p.start(9, "app", 100)
	var logs bytes.Buffer
	f := NewFinder("app", nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	find := func(warns int) {
		t.Helper()
		f.Forget(7) // a search, as after a read that failed
		pid, err := f.Find(p.ctx())
		require.NoError(t, err)
		require.Equal(t, int32(7), pid)
		require.Len(t, warnings(&logs), warns, logs.String())
	}
	find(1)
	p.exit(9)
	find(1) // one match: nothing logged
	p.start(11, "app", 150)
	find(2) // several again
	p.start(13, "app", 200)
	find(3) // three now
	require.Contains(t, warnings(&logs)[2], "matched=3 pid=7")
}

// TestDeadIsNotTheProcess: a process in state X (dead, being removed) is
// not taken, as a zombie is not.
func TestDeadIsNotTheProcess(t *testing.T) {
	p := newFakeProc(t)
	p.start(100, "app", 1000)
	p.state(100, "X")
	p.start(200, "app", 3000)
	pid, err := NewFinder("app", nil, nil, nil).Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(200), pid)
}
