package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The reference machine is shared, and a benchmark's figures say little
// without how busy the machine was with other work meanwhile. cpuMeter
// reads it from Linux's /proc: the CPU time the whole machine spent busy
// (or lost to other virtual machines, "steal"), less what the server and
// this process spent.
type cpuMeter struct {
	server            int
	busy, total, ours int64
	ok                bool
}

func startCPUMeter(srv *server) cpuMeter {
	m := cpuMeter{server: srv.Cmd.Process.Pid}
	m.busy, m.total, m.ok = machineCPU()
	m.ours = m.ourCPU()
	return m
}

// others describes the share of the machine's CPU time that other
// processes took since the meter started.
func (m cpuMeter) others() string {
	busy, total, ok := machineCPU()
	if !m.ok || !ok || total <= m.total {
		return "CPU use of other processes unknown"
	}
	others := (busy - m.busy) - (m.ourCPU() - m.ours)
	return fmt.Sprintf("other processes used %.0f%% of the machine's CPU meanwhile", 100*float64(max(others, 0))/float64(total-m.total))
}

func (m cpuMeter) ourCPU() int64 {
	return processCPU("self") + processCPU(strconv.Itoa(m.server))
}

// machineCPU returns the busy and total clock ticks of all CPUs.
func machineCPU() (busy, total int64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total, true
}

// processCPU returns the user and system clock ticks of a process ("self"
// or a pid) and its waited-for children, 0 when unknown.
func processCPU(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), ") ") // the command name may hold spaces
	f := strings.Fields(rest)
	if !ok || len(f) < 15 {
		return 0
	}
	var sum int64
	for _, v := range f[11:15] { // utime stime cutime cstime
		n, _ := strconv.ParseInt(v, 10, 64)
		sum += n
	}
	return sum
}
