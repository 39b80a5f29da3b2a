//go:build !linux

package serving

// lowerPriority is a no-op where threads cannot be given their own
// priority: shadow workers then compete with production as goroutines.
func lowerPriority() bool { return false }
