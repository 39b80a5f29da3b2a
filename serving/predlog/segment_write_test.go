package predlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func at(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }

func groupEntry(id, model, experiment string, us int) *Entry {
	return &Entry{RequestID: id, Time: at(us), Model: model, ExperimentID: experiment, Version: 1, Arm: ArmProduction}
}

// segmentIDs decodes a built segment's request ids, checking that every
// entry carries the segment's model and experiment.
func segmentIDs(t *testing.T, s *segmenter, seg segment) string {
	t.Helper()
	h, got, err := decodeAll(s.buf[seg.start:seg.end])
	if err != nil {
		t.Fatal(err)
	}
	if h.model != seg.model || h.experiment != seg.experiment || h.count != seg.count {
		t.Fatalf("segment %+v has header %+v", seg, h)
	}
	var ids []string
	for _, e := range got {
		if e.Model != seg.model || e.ExperimentID != seg.experiment {
			t.Fatalf("entry %+v in segment of %q/%q", e, seg.model, seg.experiment)
		}
		ids = append(ids, e.RequestID)
	}
	if got[0].Time.UnixMicro() != seg.minUS || got[len(got)-1].Time.UnixMicro() != seg.maxUS {
		t.Fatalf("segment %+v holds %v..%v", seg, got[0].Time, got[len(got)-1].Time)
	}
	return strings.Join(ids, " ")
}

// A batch becomes one segment per (model, experiment), in order of first
// appearance, each sorted by time with ties in logging order; the
// segmenter's buffers are reused by the next batch.
func TestSegmenterGroupsByModelAndExperiment(t *testing.T) {
	s := newSegmenter()
	segs := s.build([]*Entry{
		groupEntry("a1", "churn", "", 5), groupEntry("b1", "churn", "exp-1", 1), groupEntry("c1", "fraud", "", 2),
		groupEntry("a2", "churn", "", 3), groupEntry("b2", "churn", "exp-1", 1), groupEntry("a3", "churn", "", 3),
		groupEntry("c2", "fraud", "", 9), groupEntry("d1", "fraud", "exp-1", 4),
	})
	want := []string{"churn//a2 a3 a1", "churn/exp-1/b1 b2", "fraud//c1 c2", "fraud/exp-1/d1"}
	if len(segs) != len(want) {
		t.Fatalf("%d segments, want %d", len(segs), len(want))
	}
	for i, seg := range segs {
		if got := seg.model + "/" + seg.experiment + "/" + segmentIDs(t, &s, seg); got != want[i] {
			t.Errorf("segment %d is %q, want %q", i, got, want[i])
		}
	}
	s.release()
	// Many ties out of order: the sort must keep logging order.
	var batch []*Entry
	var wantIDs []string
	for i := range 100 {
		batch = append(batch, groupEntry(fmt.Sprint(i), "m", "", 4-i%5))
	}
	for us := range 5 {
		for i := 4 - us; i < 100; i += 5 {
			wantIDs = append(wantIDs, fmt.Sprint(i))
		}
	}
	if segs = s.build(batch); len(segs) != 1 || segmentIDs(t, &s, segs[0]) != strings.Join(wantIDs, " ") {
		t.Fatalf("ties reordered: %s", segmentIDs(t, &s, segs[0]))
	}
	s.release()
	segs = s.build([]*Entry{groupEntry("x1", "fraud", "", 1), groupEntry("x2", "fraud", "", 2)})
	if len(segs) != 1 || segmentIDs(t, &s, segs[0]) != "x1 x2" {
		t.Fatalf("second batch: %+v", segs)
	}
}

// A group is cut into several segments by entry count, time span and
// size.
func TestSegmenterCuts(t *testing.T) {
	sec := int(time.Second / time.Microsecond)
	big := json.RawMessage(`"` + strings.Repeat("x", 400_000) + `"`)
	cases := []struct {
		name    string
		entries func() []*Entry
		want    []string
	}{
		{"count", func() []*Entry {
			var out []*Entry
			for i := range 10 {
				out = append(out, groupEntry(fmt.Sprint(i), "m", "", i))
			}
			return out
		}, []string{"0 1 2 3", "4 5 6 7", "8 9"}},
		{"span", func() []*Entry {
			return []*Entry{groupEntry("0", "m", "", 0), groupEntry("4", "m", "", 4*sec), groupEntry("10", "m", "", 10*sec),
				groupEntry("10+", "m", "", 10*sec+1), groupEntry("25", "m", "", 25*sec)}
		}, []string{"0 4 10", "10+", "25"}},
		{"size", func() []*Entry {
			var out []*Entry
			for i := range 7 {
				e := groupEntry(fmt.Sprint(i), "m", "", i)
				e.Outputs = big
				out = append(out, e)
			}
			return out
		}, []string{"0 1 2", "3 4 5", "6"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSegmenter()
			s.maxEntries = 4
			segs := s.build(c.entries())
			var got []string
			for _, seg := range segs {
				got = append(got, segmentIDs(t, &s, seg))
				if seg.maxUS-seg.minUS > maxSegmentSpan.Microseconds() {
					t.Errorf("segment spans %d µs", seg.maxUS-seg.minUS)
				}
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("segments %q, want %q", got, c.want)
			}
		})
	}
}

// The writer stores one row per group with the summary columns the
// reads prune on, NULL for no experiment; each filter reads its group.
func TestWriterStoresOneSegmentPerGroup(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{BatchSize: 1000, FlushInterval: time.Hour})
	for i := range 30 {
		e := groupEntry(fmt.Sprint(i), []string{"churn", "churn", "fraud"}[i%3], []string{"", "exp-1", ""}[i%3], 100-i)
		w.Log(*e)
	}
	closeWriter(t, w)
	rows, err := db.Read.Query(`SELECT model, experiment_id, entries, min_time_us, max_time_us
		FROM prediction_segments ORDER BY segment_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var model string
		var exp sql.NullString
		var n, lo, hi int64
		if err := rows.Scan(&model, &exp, &n, &lo, &hi); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %v %d %d..%d", model, exp, n, lo-t0.UnixMicro(), hi-t0.UnixMicro()))
	}
	want := "churn { false} 10 73..100|churn {exp-1 true} 10 72..99|fraud { false} 10 71..98"
	if strings.Join(got, "|") != want {
		t.Fatalf("segments\n %q\nwant %q", strings.Join(got, "|"), want)
	}
	r := NewReader(db)
	for _, f := range []Filter{{Model: "fraud"}, {ExperimentID: "exp-1"}, {Model: "churn", ExperimentID: "exp-1"}} {
		page, _, err := r.Query(context.Background(), f)
		if err != nil || len(page) != 10 {
			t.Fatalf("%+v: %d entries, %v", f, len(page), err)
		}
		for _, e := range page {
			if f.Model != "" && e.Model != f.Model || f.ExperimentID != "" && e.ExperimentID != f.ExperimentID {
				t.Fatalf("%+v selected %+v", f, e)
			}
		}
	}
}
