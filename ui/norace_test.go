//go:build !race

package ui_test

// raceSlowdown: 1 without the race detector (see race_test.go).
const raceSlowdown = 1
