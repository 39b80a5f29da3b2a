// Package artifacttest is the contract suite that every artifact.Store
// backend must pass. A backend's test calls Run with a function that opens a
// fresh, empty store for each subtest.
package artifacttest

import (
	"testing"

	"github.com/paddockml/paddock/artifact"
)

// Harness is what a backend hands the suite for one subtest.
type Harness struct {
	// Store is a fresh, empty store. The backend closes it in a t.Cleanup.
	Store artifact.Store

	// Tamper damages the stored content of key behind the store's back, the
	// way bit rot or a stray writer would: it flips one byte of the content
	// and leaves the size and the recorded digest as they were.
	Tamper func(t *testing.T, key string)

	// PutMemory is the heap, in bytes, that one streamed Put may use by the
	// backend's design (for example the multipart part size; 0 when it copies
	// through a small buffer). The suite streams an object bigger than
	// PutMemory plus its slack and fails if the heap grows past that bound.
	PutMemory int64
}

// Run runs the contract suite. open is called once per subtest and must
// return a Harness over a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	// Memory is measured first and alone: parallel subtests would add their
	// own allocations to the heap being watched.
	t.Run("BigObjectIsStreamed", func(t *testing.T) { testBigObjectIsStreamed(t, open(t)) })

	tests := []struct {
		name string
		test func(*testing.T, Harness)
	}{
		{"RoundTrip", testRoundTrip},
		{"KeysNeedNoEscaping", testKeysNeedNoEscaping},
		{"Overwrite", testOverwrite},
		{"ListByPrefix", testListByPrefix},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"InvalidKeys", testInvalidKeys},
		{"TamperedContentIsDetected", testTamperedContentIsDetected},
		{"FailedPutKeepsPreviousObject", testFailedPutKeepsPreviousObject},
		{"CanceledPutStoresNothing", testCanceledPutStoresNothing},
		{"ConcurrentPutsOfOneKey", testConcurrentPutsOfOneKey},
		{"ConcurrentPutsAndDeletesInOneDirectory", testConcurrentPutsAndDeletes},
		{"PingAndClose", testPingAndClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, open(t))
		})
	}
}
