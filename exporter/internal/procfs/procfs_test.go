package procfs

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiskStats(t *testing.T) {
	got, skipped := DiskStats([]byte(" 253 0 vda 50000 1000 2000000 30000 20000 5000 8000000 60000 2 45000 90000 0 0 0 0\n"+
		" 8 16 sdb 0 0 0 0 0 0 0 0 0 0 0\n\n"), nil)
	require.Empty(t, skipped)
	require.Equal(t, []DiskStat{
		{Name: "vda", Reads: 50000, ReadSectors: 2000000, ReadMillis: 30000, Writes: 20000,
			WriteSectors: 8000000, WriteMillis: 60000, InProgress: 2, IOMillis: 45000},
		{Name: "sdb"}, // never did I/O: listed all the same
	}, got)

}

// TestDiskStatsSkipsBadLines: one malformed line (a field that is not a
// count, too few fields) is left out and reported, the others kept.
func TestDiskStatsSkipsBadLines(t *testing.T) {
	got, skipped := DiskStats([]byte(" 8 0 sda 1 0 2 3 4 0 5 6 0 7 8\n"+
		" 253 0 vda 1 2 x 4 5 6 7 8 9 10 11\n"+
		" short line\n"+
		" 8 16 sdb 0 0 0 0 0 0 0 0 0 0 0\n"), nil)
	require.Equal(t, []DiskStat{
		{Name: "sda", Reads: 1, ReadSectors: 2, ReadMillis: 3, Writes: 4, WriteSectors: 5, WriteMillis: 6, IOMillis: 7},
		{Name: "sdb"},
	}, got)
	require.Len(t, skipped, 2)
	require.EqualError(t, skipped[0], `diskstats line 2: "vda" field 6: "x" is not a count`)
	require.EqualError(t, skipped[1], "diskstats line 3: 2 fields, at least 14 expected")
}

// TestDiskStatsExclude: the lines of an excluded device are neither
// returned nor, when malformed, reported; a line too short to name a
// device is.
func TestDiskStatsExclude(t *testing.T) {
	got, skipped := DiskStats([]byte(" 8 0 sda 1 0 2 3 4 0 5 6 0 7 8\n"+
		" 8 1 sda1 1 2 x 4 5 6 7 8 9 10 11\n"+
		" 8 2 sda2 1 2 3\n"+
		" 7 0 loop0 0 0 0 0 0 0 0 0 0 0 0\n"+
		" 8\n"), func(device string) bool { return device != "sda" })
	require.Equal(t, []DiskStat{{Name: "sda", Reads: 1, ReadSectors: 2, ReadMillis: 3, Writes: 4, WriteSectors: 5, WriteMillis: 6, IOMillis: 7}}, got)
	require.Len(t, skipped, 1)
	require.EqualError(t, skipped[0], "diskstats line 5: 1 fields, at least 14 expected")
}

func TestTaskState(t *testing.T) {
	for in, want := range map[string]byte{
		"1 (init) S 0 1":           'S',
		"7 (a) b) (c) R 1 7":       'R',
		"8 (with space) D 1 8 8 0": 'D',
	} {
		st, err := TaskState([]byte(in))
		require.NoError(t, err, in)
		require.Equal(t, want, st, in)
	}
	for _, in := range []string{"", "1 (init)", "1 (init) ", "1 (init)S 0", "1 (init)_R 0", "1 (x) 7 0", "1 (x) ~ 0"} {
		_, err := TaskState([]byte(in))
		require.Error(t, err, in)
	}
}

// TestStartTicks reads the 22nd field of a process's stat line, after a
// command holding spaces and parentheses, and refuses a cut line.
func TestStartTicks(t *testing.T) {
	got, err := StartTicks([]byte("4300 (a) (b c) S 1 4300 4300 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 1 0 22345 100000000 500\n"))
	require.NoError(t, err)
	require.Equal(t, uint64(22345), got)
	_, err = StartTicks([]byte("4300 (worker) S 1 4300 4300 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 1 0\n"))
	require.EqualError(t, err, "19 fields after the command, the start time is the 20th")
	_, err = StartTicks([]byte("4300 (w) S 1 4300 4300 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 1 0 -5 1\n"))
	require.EqualError(t, err, `start time "-5" is not a count of ticks`)
}

// TestQuoteCut: a value is quoted cut to 64 bytes, and cut further (32,
// then 16 bytes) while its quoted form is over 80 bytes, as bytes that
// are not printable quote to 4.
func TestQuoteCut(t *testing.T) {
	long := strings.Repeat("a", 100)
	require.Equal(t, strconv.Quote(long[:64]+"..."), QuoteCut(long), "69 bytes quoted: 64 of the value")
	ctl := strings.Repeat("\x01", 100)
	require.Equal(t, strconv.Quote(ctl[:16]+"..."), QuoteCut(ctl))
	four := strings.Repeat("\x01", 4) + long // 64 bytes quote to 81
	require.Equal(t, strconv.Quote(four[:32]+"..."), QuoteCut(four))
	require.Equal(t, `"short"`, QuoteCut("short"))
}
