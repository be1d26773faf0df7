//go:build race

package ui_test

// raceSlowdown scales time budgets under the race detector, which makes
// this package's pages 10–15 times slower (lineage at depth 5: 8.5 ms
// without it, 115 ms with it, on the same machine).
const raceSlowdown = 3
