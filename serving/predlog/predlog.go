// Package predlog is Paddock's prediction log: a record of sampled
// predictions (request, model version, experiment arm, input digest,
// outputs, latency) that dark mode comparisons, feedback joins and
// monitoring read back.
//
// Writing sits on the path of every prediction, so it never waits: a
// Writer queues entries in memory, bounded by count and bytes, and a
// background loop writes them in batches through the metadata database's
// single writer. When the queue is full an entry is dropped and counted,
// never blocking the request. Close flushes every entry Log acknowledged.
//
// The log is stored as segments, not a row per prediction: each batch
// becomes one row of prediction_segments per (model, experiment) in it,
// its entries packed in a compact binary encoding (segment_codec.go),
// with the time range as columns for choosing what a read decodes. That
// keeps the cost of logging every prediction to 1 to 1.5 µs of CPU
// (BenchmarkWriter). A Reader pages through the log, streams it
// (Scan) and summarises it, merging segments into time order.
package predlog

import (
	"encoding/json"
	"time"
)

// The arms of an experiment a prediction can belong to. ArmNone marks a
// prediction made outside any experiment.
const (
	ArmNone       = ""
	ArmProduction = "production"
	ArmAlpha      = "alpha"
	ArmShadow     = "shadow"
)

// validArm reports whether arm is one the log can store.
func validArm(arm string) bool {
	switch arm {
	case ArmNone, ArmProduction, ArmAlpha, ArmShadow:
		return true
	}
	return false
}

// Entry is one logged prediction.
type Entry struct {
	// ID is the entry's key, assigned when written; ignored by Log. It
	// is segment_id<<16 | index: the id of the segment row holding the
	// entry and the entry's position in it (a segment holds at most
	// 65536). IDs are unique; a segment written later has larger ones,
	// and within a segment they follow time order.
	ID int64
	// RequestID ties the arms of one request and its feedback together.
	RequestID string
	// Time is when the prediction was made, kept to the microsecond. Log
	// sets it to the writer's clock when zero.
	Time time.Time
	// Model, Version and Alias name the model version that answered.
	Model   string
	Version int64
	Alias   string
	// Arm is ArmProduction, ArmAlpha, ArmShadow or ArmNone.
	Arm string
	// ExperimentID is the experiment the prediction belongs to, "" for none.
	ExperimentID string
	// InputDigest is the hex SHA-256 of the canonical input
	// (serving/filters.CanonicalDigest).
	InputDigest string
	// Inputs is the request's input as JSON, kept only when the writer's
	// Options.KeepInputs is set.
	Inputs json.RawMessage
	// Outputs is the prediction as JSON; nil when it failed.
	Outputs json.RawMessage
	// Latency is the time spent answering, kept to the microsecond.
	Latency time.Duration
	// CacheHit marks an answer served from the response cache.
	CacheHit bool
	// Rule names the rule filter that answered instead of the model.
	Rule string
	// Error is the failure of a failed prediction, "" on success.
	Error string
}

// entryOverhead approximates an Entry's fixed footprint in the queue, so
// the byte budget bounds memory even for entries with short strings.
const entryOverhead = 256

// size is what an entry counts against the writer's byte budget.
func (e *Entry) size() int64 {
	return int64(entryOverhead + len(e.RequestID) + len(e.Model) + len(e.Alias) + len(e.ExperimentID) +
		len(e.InputDigest) + len(e.Inputs) + len(e.Outputs) + len(e.Rule) + len(e.Error))
}
