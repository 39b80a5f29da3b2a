package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The tail keeps the last lines, joins lines written in pieces, cuts
// endless ones, and replays the kept lines to a late subscriber.
func TestLogTailKeepsLastLines(t *testing.T) {
	tl := newLogTail(3)
	fmt.Fprint(tl, "one\ntw")
	fmt.Fprint(tl, "o\nthree\nfour\n")
	if got := tl.Lines(); !slices.Equal(got, []string{"two", "three", "four"}) {
		t.Fatalf("lines %q", got)
	}
	fmt.Fprint(tl, strings.Repeat("x", maxLineBytes+5))
	tl.close()
	got := tl.Lines()
	if len(got) != 3 || len(got[1]) != maxLineBytes || got[2] != "xxxxx" {
		t.Fatalf("long line cut into %d and %d bytes", len(got[1]), len(got[2]))
	}
	_, ch := tl.subscribe()
	var replay []string
	for l := range ch {
		replay = append(replay, l)
	}
	if !slices.Equal(replay, got) {
		t.Fatalf("late subscriber got %q", replay)
	}
}

// A reader that falls behind loses lines, never blocks the command, and
// is told how many it lost; invalid UTF-8 is replaced.
func TestLogTailSlowSubscriber(t *testing.T) {
	tl := newLogTail(10)
	sub, ch := tl.subscribe()
	for i := range subscriberBuffer + 50 {
		fmt.Fprintf(tl, "line %d\n", i)
	}
	if sub.dropped != 50 {
		t.Fatalf("dropped %d", sub.dropped)
	}
	for range subscriberBuffer {
		<-ch
	}
	fmt.Fprint(tl, "next\n\xff\n")
	if note := <-ch; note != "[paddock] 50 lines dropped: the reader fell behind" {
		t.Fatalf("note %q", note)
	}
	if l := <-ch; l != "next" {
		t.Fatalf("line after the note %q", l)
	}
	if l := <-ch; l != "\uFFFD" {
		t.Fatalf("invalid UTF-8 became %q", l)
	}
	tl.unsubscribe(sub)
	if _, open := <-ch; open {
		t.Fatal("channel open after unsubscribe")
	}
	tl.close()
}
