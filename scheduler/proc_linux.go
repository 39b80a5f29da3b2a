package scheduler

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processStart returns the start time of a process (clock ticks since
// boot, /proc/<pid>/stat field 22) and whether it leads its own process
// group. Together with the pid it names one process for good: a pid
// reused after a crash has another start time.
func processStart(pid int) (start uint64, groupLeader bool, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[2] is field 5 (pgrp), f[19] field 22 (starttime).
	if len(f) < 20 {
		return 0, false, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	pgrp, _ := strconv.Atoi(f[2])
	start, err = strconv.ParseUint(f[19], 10, 64)
	return start, pgrp == pid, err
}

// killOrphan kills the process group of a command left behind by a
// Paddock that died. When the recorded leader still runs, it must be the
// very process (same start time). When it is gone, the group id cannot
// have been given to another group while members of the old one live
// (Linux keeps a pid reserved while it names a group), so the group is
// killed; with no member left the kill finds nothing.
func killOrphan(pid int, start uint64) bool {
	if pid <= 0 || start == 0 {
		return false
	}
	got, leader, err := processStart(pid)
	if err == nil && (got != start || !leader) {
		return false // the pid now names another process
	}
	return syscall.Kill(-pid, syscall.SIGKILL) == nil
}
