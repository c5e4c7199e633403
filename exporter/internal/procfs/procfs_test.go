package procfs

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiskStats(t *testing.T) {
	got, err := DiskStats([]byte(" 253 0 vda 50000 1000 2000000 30000 20000 5000 8000000 60000 2 45000 90000 0 0 0 0\n" +
		" 8 16 sdb 0 0 0 0 0 0 0 0 0 0 0\n short line\n"))
	require.NoError(t, err)
	require.Equal(t, []DiskStat{
		{Name: "vda", Reads: 50000, ReadSectors: 2000000, ReadMillis: 30000, Writes: 20000,
			WriteSectors: 8000000, WriteMillis: 60000, InProgress: 2, IOMillis: 45000},
		{Name: "sdb"}, // never did I/O: listed all the same
	}, got)

	_, err = DiskStats([]byte(" 253 0 vda 1 2 x 4 5 6 7 8 9 10 11\n"))
	require.EqualError(t, err, `diskstats "vda" field 6: "x" is not a count`)
}
