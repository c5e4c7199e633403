package scorecsv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/trace"
)

// half scores every sample 0.5.
type half struct{}

func (half) Update(int64, float64) float64 { return 0.5 }

func TestWriteEchoesTheTimestampAsWritten(t *testing.T) {
	tr, err := trace.ReadUnordered(strings.NewReader("timestamp,value\n2024-01-01 00:00:00,1.50\n2024-01-01 00:01:00,2\n"))
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, Write(&b, tr, half{}))
	require.Equal(t, "timestamp,value,anomaly_score\n2024-01-01 00:00:00,1.5,0.500000\n2024-01-01 00:01:00,2,0.500000\n", b.String())
}

func TestDirScoresEveryCSVFileIntoTheSamePath(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(in, "a"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(in, "a", "x.csv"), []byte("timestamp,value\n1,1\n2,2\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(in, "y.CSV"), []byte("timestamp,value\n1,3\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(in, "README.md"), []byte("not a trace"), 0o644))
	var mu sync.Mutex
	rows := map[string]int{}
	err := Dir(context.Background(), in, out, func() Detector { return half{} }, func(done, total int, rel string, n int) {
		mu.Lock()
		defer mu.Unlock()
		require.Equal(t, 2, total)
		rows[rel] = n
	})
	require.NoError(t, err)
	require.Equal(t, map[string]int{filepath.Join("a", "x.csv"): 2, "y.CSV": 1}, rows)
	b, err := os.ReadFile(filepath.Join(out, "a", "x.csv"))
	require.NoError(t, err)
	require.Equal(t, "timestamp,value,anomaly_score\n1,1,0.500000\n2,2,0.500000\n", string(b))
	require.NoFileExists(t, filepath.Join(out, "README.md"))
}

func TestDirInputErrors(t *testing.T) {
	none := func(int, int, string, int) {}
	det := func() Detector { return half{} }
	var in *InputError
	err := Dir(context.Background(), t.TempDir(), t.TempDir(), det, none)
	require.True(t, errors.As(err, &in) && in.Malformed, "no CSV file is bad input: %v", err)

	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "b.csv"), []byte("timestamp,value\n1,abc\n"), 0o644))
	err = Dir(context.Background(), bad, t.TempDir(), det, none)
	require.True(t, errors.As(err, &in) && in.Malformed, "a malformed file is bad input: %v", err)

	err = Dir(context.Background(), filepath.Join(bad, "missing"), t.TempDir(), det, none)
	require.True(t, errors.As(err, &in) && !in.Malformed, "a walk error is the directory's, not malformed: %v", err)

	out := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(out, "b.csv"), 0o755)) // the output is a directory
	good := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(good, "b.csv"), []byte("timestamp,value\n1,1\n"), 0o644))
	err = Dir(context.Background(), good, out, det, none)
	require.Error(t, err)
	require.NotErrorAs(t, err, &in, "an output error is not the input's")
}
