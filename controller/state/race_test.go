//go:build race

package state

// raceEnabled: the race detector drops sync.Pool's items at random, so
// encoding/json's reused encoder state is allocated anew (allocation
// counts mean nothing under it).
const raceEnabled = true
