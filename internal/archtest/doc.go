// Package archtest holds the tests that keep the repository's layout as
// docs/architecture.md describes it: which package may import which, no
// I/O or clock in predictor, packages of at most 2,000 non-test lines, a
// package table naming every package, and no local named like a package
// its file imports. It has no code of its own.
package archtest
