//go:build !linux

package scheduler

import "errors"

// processStart is only known on Linux; elsewhere an orphaned command is
// left running (its run is still marked failed).
func processStart(int) (uint64, bool, error) { return 0, false, errors.New("unsupported") }

func killOrphan(int, uint64) bool { return false }
