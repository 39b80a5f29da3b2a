package registry

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

func TestAliasesSetMoveDelete(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("churn")
	tr := e.trainRun()
	e.register("churn", tr)
	e.register("churn", tr)

	res, err := e.reg.SetAlias(ctx, editor, "churn", "production", 1, Justification{Reason: "first model"})
	if err != nil || !res.Applied || res.Request != nil {
		t.Fatalf("set: %+v %v", res, err)
	}
	if v, err := e.reg.VersionByAlias(ctx, "churn", "production"); err != nil || v.Version != 1 || !slices.Equal(v.Aliases, []string{"production"}) || v.Stage != StageProduction {
		t.Fatalf("by alias: %+v %v", v, err)
	}
	if _, err := e.reg.SetAlias(ctx, editor, "churn", "production", 2, Justification{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.SetAlias(ctx, editor, "churn", "production", 2, Justification{}); err != nil { // no change
		t.Fatal(err)
	}
	if _, err := e.reg.SetAlias(ctx, editor, "churn", "alpha", 1, Justification{}); err != nil {
		t.Fatal(err)
	}
	m, _ := e.reg.GetModel(ctx, "churn")
	if !slices.Equal(m.Aliases, []AliasTarget{{"alpha", 1}, {"production", 2}}) {
		t.Fatalf("model aliases %+v", m.Aliases)
	}
	if _, err := e.reg.DeleteAlias(ctx, editor, "churn", "alpha", Justification{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.DeleteAlias(ctx, editor, "churn", "alpha", Justification{}); err != nil { // already gone
		t.Fatal(err)
	}
	_, err = e.reg.VersionByAlias(ctx, "churn", "alpha")
	if !errs.Is(err, errs.NotFound) || err.Error() != "Registered model alias alpha not found.: alias not found" {
		t.Fatalf("deleted alias: %v", err)
	}
	// Only real changes reach the audit log.
	evs := e.events(audit.Query{ResourceKind: "alias"})
	want := []string{"registry.alias.set", "registry.alias.set", "registry.alias.set", "registry.alias.delete"}
	if !slices.Equal(actions(evs), want) {
		t.Fatalf("audit %v, want %v", actions(evs), want)
	}
	var before, after AliasTarget
	mustJSON(t, evs[1].Before, &before)
	mustJSON(t, evs[1].After, &after)
	if before.Version != 1 || after.Version != 2 || evs[0].Reason != "first model" || evs[1].Resource.ID != "churn@production" {
		t.Errorf("move event %+v", evs[1])
	}

	for alias, code := range map[string]errs.Code{"latest": errs.Invalid, "v3": errs.Invalid, "two words": errs.Invalid, "": errs.Invalid} {
		if _, err := e.reg.SetAlias(ctx, editor, "churn", alias, 1, Justification{}); !errs.Is(err, code) {
			t.Errorf("alias %q: %v", alias, err)
		}
	}
	if _, err := e.reg.SetAlias(ctx, editor, "churn", "x", 9, Justification{}); !errs.Is(err, errs.NotFound) {
		t.Errorf("missing version: %v", err)
	}
	if _, err := e.reg.SetAlias(ctx, editor, "nope", "x", 1, Justification{}); !errs.Is(err, errs.NotFound) {
		t.Errorf("missing model: %v", err)
	}
}

func TestChangeFeedDeliversMovesInOrderAndResumes(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.model("churn")
	tr := e.trainRun()
	for range 3 {
		e.register("churn", tr)
	}
	move := func(alias string, v int64) {
		t.Helper()
		if _, err := e.reg.SetAlias(ctx, admin, "churn", alias, v, Justification{}); err != nil {
			t.Fatal(err)
		}
	}
	move("production", 1)
	move("alpha", 2)

	// A subscriber from the start sees the history, then live moves.
	sub, stop := context.WithCancel(ctx)
	feed := e.reg.Subscribe(sub, 0)
	next := func() AliasEvent {
		t.Helper()
		select {
		case ev, ok := <-feed:
			if !ok {
				t.Fatal("feed closed")
			}
			return ev
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return AliasEvent{}
	}
	describe := func(ev AliasEvent) string {
		return fmt.Sprintf("%s@%s %v→%v", ev.Model, ev.Alias, deref(ev.Previous), deref(ev.Version))
	}
	var got []string
	var seqs []int64
	for range 2 {
		ev := next()
		got, seqs = append(got, describe(ev)), append(seqs, ev.Seq)
	}
	move("production", 3) // promote alpha's successor
	move("alpha", 3)
	if _, err := e.reg.DeleteAlias(ctx, admin, "churn", "alpha", Justification{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ev := next()
		got, seqs = append(got, describe(ev)), append(seqs, ev.Seq)
		if ev.Actor != "token:admin" {
			t.Errorf("actor %q", ev.Actor)
		}
	}
	want := []string{"churn@production -→1", "churn@alpha -→2", "churn@production 1→3", "churn@alpha 2→3", "churn@alpha 3→-"}
	if !slices.Equal(got, want) {
		t.Fatalf("feed %v, want %v", got, want)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("sequence not increasing: %v", seqs)
		}
	}
	stop()
	for range feed { // the channel closes when the subscriber stops
	}

	// Resuming after the second event replays exactly the rest.
	resumed := e.reg.Subscribe(ctx, seqs[1])
	for i := 2; i < len(want); i++ {
		ev := <-resumed
		if describe(ev) != want[i] || ev.Seq != seqs[i] {
			t.Fatalf("resumed event %d: %s seq %d, want %s seq %d", i, describe(ev), ev.Seq, want[i], seqs[i])
		}
	}
	// The snapshot agrees with the feed's end.
	snap, err := e.reg.Snapshot(ctx)
	if err != nil || snap.Seq != seqs[len(seqs)-1] || !slices.Equal(snap.Aliases, []ModelTarget{{"churn", "production", 3}}) {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
	// Renames and deletions show up as removals, so a follower never
	// keeps serving a name that is gone.
	if _, err := e.reg.RenameModel(ctx, admin, "churn", "churn2"); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.DeleteModel(ctx, admin, "churn2"); err != nil {
		t.Fatal(err)
	}
	evs, err := e.reg.AliasEvents(ctx, seqs[len(seqs)-1], 0)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, ev := range evs {
		got = append(got, describe(ev))
	}
	want = []string{"churn@production 3→-", "churn2@production -→3", "churn2@production 3→-"}
	if !slices.Equal(got, want) {
		t.Fatalf("rename and delete events %v, want %v", got, want)
	}
}

// Many subscribers and concurrent writers: everyone sees every move once,
// in sequence order.
func TestChangeFeedUnderConcurrentMoves(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr := e.trainRun()
	const models, moves = 3, 20
	for i := range models {
		name := fmt.Sprintf("m%d", i)
		e.model(name)
		e.register(name, tr)
		e.register(name, tr)
	}
	var feeds []<-chan AliasEvent
	for range 4 {
		feeds = append(feeds, e.reg.Subscribe(ctx, 0))
	}
	errc := make(chan error, models)
	for i := range models {
		go func() {
			for j := range moves {
				if _, err := e.reg.SetAlias(ctx, admin, fmt.Sprintf("m%d", i), "production", int64(1+j%2), Justification{}); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range models {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	for _, feed := range feeds {
		var last int64
		for range models * moves {
			select {
			case ev := <-feed:
				if ev.Seq <= last {
					t.Fatalf("seq %d after %d", ev.Seq, last)
				}
				last = ev.Seq
			case <-ctx.Done():
				t.Fatal("a subscriber missed events")
			}
		}
	}
}

func deref(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}
