package serving

import (
	"runtime"
	"syscall"
)

// shadowNice is the scheduling niceness of a shadow worker's thread: the
// lowest priority, so the kernel runs alpha only on CPU time production
// leaves idle. With CFS a nice-19 thread gets about 1.5 % of a core
// while normal threads want it.
const shadowNice = 19

// lowerPriority pins the calling goroutine to its OS thread and gives
// that thread the lowest priority. Go has no goroutine priorities; a
// thread of its own is the one lever the kernel offers. It reports
// whether it worked (a container without the right may refuse, and the
// worker then runs at normal priority).
func lowerPriority() bool {
	runtime.LockOSThread()
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), shadowNice); err != nil {
		runtime.UnlockOSThread()
		return false
	}
	return true
}
