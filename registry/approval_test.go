package registry

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

func TestGuardedAliasMovesOnlyOnApproval(t *testing.T) {
	e := newEnv(t, map[string][]string{"churn": {"production", "alpha"}})
	ctx := context.Background()
	e.model("churn")
	tr := e.trainRun()
	e.register("churn", tr)
	e.register("churn", tr)
	if _, err := e.reg.SetAlias(ctx, admin, "churn", "production", 1, Justification{}); err != nil {
		t.Fatal(err)
	}
	feedStart, _ := e.reg.Snapshot(ctx)

	why := Justification{Reason: "AUC +0.02 on March data", Evidence: []string{"https://paddock.example/runs/" + tr.ID}}
	res, err := e.reg.SetAlias(ctx, editor, "churn", "production", 2, why)
	if err != nil {
		t.Fatal(err)
	}
	req := res.Request
	if res.Applied || req == nil || req.Status != ApprovalPending || *req.Version != 2 || *req.FromVersion != 1 ||
		req.RequestedBy != "token:editor" || req.Reason != why.Reason || !slices.Equal(req.Evidence, why.Evidence) {
		t.Fatalf("editor's move: %+v %+v", res, req)
	}
	if v, _ := e.reg.VersionByAlias(ctx, "churn", "production"); v.Version != 1 {
		t.Fatalf("the alias moved before approval: now %d", v.Version)
	}
	// Asking twice files nothing new.
	again, _ := e.reg.SetAlias(ctx, editor, "churn", "production", 2, why)
	if again.Request == nil || again.Request.ID != req.ID {
		t.Fatalf("duplicate request: %+v", again.Request)
	}
	// An unguarded alias still moves at once.
	if res, err := e.reg.SetAlias(ctx, editor, "churn", "staging", 2, Justification{}); err != nil || !res.Applied {
		t.Fatalf("unguarded: %+v %v", res, err)
	}
	if _, err := e.reg.Approve(ctx, editor, req.ID, "lgtm"); !errs.Is(err, errs.PermissionDenied) {
		t.Fatalf("editor approving: %v", err)
	}
	if evs, _ := e.reg.AliasEvents(ctx, feedStart.Seq, 0); len(evs) != 1 || evs[0].Alias != "staging" {
		t.Fatalf("feed before approval: %+v", evs)
	}

	approved, err := e.reg.Approve(ctx, admin, req.ID, "numbers check out")
	if err != nil {
		t.Fatal(err)
	}
	if approved.Status != ApprovalApproved || approved.DecidedBy != "token:admin" || approved.Comment != "numbers check out" || approved.DecidedTime == nil {
		t.Fatalf("approved %+v", approved)
	}
	if v, _ := e.reg.VersionByAlias(ctx, "churn", "production"); v.Version != 2 {
		t.Fatalf("after approval production is %d", v.Version)
	}
	if _, err := e.reg.Approve(ctx, admin, req.ID, ""); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second decision: %v", err)
	}
	if _, err := e.reg.Reject(ctx, admin, 999, ""); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown request: %v", err)
	}

	// The audit log tells the story with its actors.
	evs := e.events(audit.Query{Since: e.events(audit.Query{Action: "registry.approval.request"})[0].At})
	var story []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Action, "registry.approval.") || ev.Resource.ID == "churn@production" {
			story = append(story, ev.Action+" by "+ev.Actor)
		}
	}
	want := []string{"registry.approval.request by token:editor", "registry.alias.set by token:admin", "registry.approval.approve by token:admin"}
	if !slices.Equal(story, want) {
		t.Fatalf("audit story %v, want %v", story, want)
	}
	move := e.events(audit.Query{ResourceID: "churn@production"})
	if last := move[len(move)-1]; !strings.Contains(last.Reason, "approval request") || !strings.Contains(last.Reason, "token:editor") {
		t.Errorf("the move does not say whose request it was: %q", last.Reason)
	}

	// A rejected request moves nothing.
	res, _ = e.reg.SetAlias(ctx, editor, "churn", "alpha", 1, Justification{Reason: "try v1"})
	rejected, err := e.reg.Reject(ctx, admin, res.Request.ID, "not yet")
	if err != nil || rejected.Status != ApprovalRejected {
		t.Fatalf("reject: %+v %v", rejected, err)
	}
	if _, err := e.reg.VersionByAlias(ctx, "churn", "alpha"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("alpha after rejection: %v", err)
	}
	list, err := e.reg.ListApprovals(ctx, ApprovalQuery{Model: "churn"})
	if err != nil || len(list) != 2 || list[0].Status != ApprovalRejected || list[1].Status != ApprovalApproved {
		t.Fatalf("list %+v %v", list, err)
	}
	if pending, _ := e.reg.ListApprovals(ctx, ApprovalQuery{Status: ApprovalPending}); len(pending) != 0 {
		t.Fatalf("pending %+v", pending)
	}
	if _, err := e.reg.ListApprovals(ctx, ApprovalQuery{Status: "maybe"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad status: %v", err)
	}
}

func TestGuardsCannotBeSidesteppedByEditors(t *testing.T) {
	e := newEnv(t, map[string][]string{"churn": {"production"}, "*": {"alpha"}})
	ctx := context.Background()
	e.model("churn")
	e.model("fraud")
	if _, err := e.reg.SetPolicy(ctx, admin, "fraud", []string{"production"}); err != nil {
		t.Fatal(err)
	}
	tr := e.trainRun()
	e.register("churn", tr)
	e.register("fraud", tr)
	for _, m := range []string{"churn", "fraud"} {
		if _, err := e.reg.SetAlias(ctx, admin, m, "production", 1, Justification{}); err != nil {
			t.Fatal(err)
		}
	}
	checks := []struct {
		name string
		err  error
	}{
		{"delete the production version", e.reg.DeleteVersion(ctx, editor, "churn", 1)},
		{"delete the model", e.reg.DeleteModel(ctx, editor, "churn")},
		{"rename away from the configured name", first(e.reg.RenameModel(ctx, editor, "churn", "churn-x"))},
		{"change a policy", first(e.reg.SetPolicy(ctx, editor, "fraud", nil))},
	}
	for _, c := range checks {
		if !errs.Is(c.err, errs.PermissionDenied) {
			t.Errorf("%s: err = %v, want permission_denied", c.name, c.err)
		}
	}
	// Deleting the alias itself becomes a request, and stage transitions
	// go through the same gate.
	if res, err := e.reg.DeleteAlias(ctx, editor, "churn", "production", Justification{}); err != nil || res.Request == nil || res.Request.Version != nil {
		t.Fatalf("delete alias: %+v %v", res, err)
	}
	v, req, err := e.reg.TransitionStage(ctx, editor, "fraud", 1, "archived", false, Justification{})
	if err != nil || req == nil || v.Stage != StageProduction {
		t.Fatalf("archive production: %+v %+v %v", v, req, err)
	}
	// Renaming a model whose policy follows it is fine.
	if _, err := e.reg.RenameModel(ctx, editor, "fraud", "fraud-v2"); err != nil {
		t.Fatalf("rename under an API policy: %v", err)
	}
	// An admin may do all of it.
	if _, err := e.reg.RenameModel(ctx, admin, "churn", "churn-x"); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.DeleteModel(ctx, admin, "churn-x"); err != nil {
		t.Fatal(err)
	}
}

func TestPoliciesFromConfigAndAPI(t *testing.T) {
	e := newEnv(t, map[string][]string{"churn": {"production"}, "*": {"alpha"}})
	ctx := context.Background()
	e.model("churn")
	e.model("fraud")
	p, err := e.reg.Policy(ctx, "churn")
	if err != nil || p.Source != PolicyConfig || !slices.Equal(p.Aliases, []string{"production"}) {
		t.Fatalf("churn %+v %v", p, err)
	}
	if p, _ = e.reg.Policy(ctx, "fraud"); p.Source != PolicyDefault || !p.Guards("alpha") || p.Guards("production") {
		t.Fatalf("fraud %+v", p)
	}
	if _, err := e.reg.SetPolicy(ctx, admin, "churn", []string{"alpha"}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("overriding the file: %v", err)
	}
	if _, err := e.reg.SetPolicy(ctx, admin, "fraud", []string{"not valid"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad alias: %v", err)
	}
	p, err = e.reg.SetPolicy(ctx, admin, "fraud", []string{"production", "champion", "production"})
	if err != nil || p.Source != PolicyAPI || !slices.Equal(p.Aliases, []string{"champion", "production"}) || p.UpdatedBy != "token:admin" {
		t.Fatalf("set %+v %v", p, err)
	}
	// The API policy follows the model through a rename.
	if _, err := e.reg.RenameModel(ctx, admin, "fraud", "fraud-v2"); err != nil {
		t.Fatal(err)
	}
	if p, _ = e.reg.Policy(ctx, "fraud-v2"); p.Source != PolicyAPI || !p.Guards("champion") {
		t.Fatalf("after rename %+v", p)
	}
	if p, err = e.reg.DeletePolicy(ctx, admin, "fraud-v2"); err != nil || p.Source != PolicyDefault {
		t.Fatalf("delete %+v %v", p, err)
	}
	p, err = e.reg.SetPolicy(ctx, admin, "fraud-v2", nil)
	if err != nil || p.Source != PolicyAPI || len(p.Aliases) != 0 || p.Guards("alpha") {
		t.Fatalf("empty policy overrides the default: %+v %v", p, err)
	}
	evs := e.events(audit.Query{ResourceKind: "approval_policy"})
	if !slices.Equal(actions(evs), []string{"registry.policy.set", "registry.policy.delete", "registry.policy.set"}) {
		t.Fatalf("audit %v", actions(evs))
	}
	if _, err := New(Options{DB: e.db, Artifacts: e.store, Audit: e.audit, Policies: map[string][]string{"m": {"latest"}}}); err == nil {
		t.Fatal("an invalid configured policy was accepted")
	}
}

func TestLegacyStagesMapOntoAliases(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("m")
	tr := e.trainRun()
	for range 3 {
		e.register("m", tr)
	}
	stage := func(v int64, st string, archive bool) Version {
		t.Helper()
		out, req, err := e.reg.TransitionStage(ctx, editor, "m", v, st, archive, Justification{})
		if err != nil || req != nil {
			t.Fatalf("transition %d to %s: %v %+v", v, st, err, req)
		}
		return out
	}
	if v := stage(1, "production", false); v.Stage != StageProduction || !slices.Contains(v.Aliases, AliasProduction) {
		t.Fatalf("v1 %+v", v)
	}
	stage(2, "Staging", false)
	stage(2, "Production", true) // v1 is archived, v2 leaves Staging
	for n, want := range map[int64]string{1: StageArchived, 2: StageProduction, 3: StageNone} {
		if v, _ := e.reg.GetVersion(ctx, "m", n); v.Stage != want {
			t.Errorf("version %d in %s, want %s", n, v.Stage, want)
		}
	}
	latest, err := e.reg.LatestVersions(ctx, "m", nil)
	if err != nil || len(latest) != 3 {
		t.Fatalf("latest %+v %v", latest, err)
	}
	got := map[string]int64{}
	for _, v := range latest {
		got[v.Stage] = v.Version
	}
	if got[StageArchived] != 1 || got[StageProduction] != 2 || got[StageNone] != 3 {
		t.Fatalf("latest per stage %v", got)
	}
	if only, _ := e.reg.LatestVersions(ctx, "m", []string{"production"}); len(only) != 1 || only[0].Version != 2 {
		t.Fatalf("latest production %+v", only)
	}
	if v := stage(2, "None", false); v.Stage != StageNone || len(v.Aliases) != 0 {
		t.Fatalf("back to None: %+v", v)
	}
	if _, _, err := e.reg.TransitionStage(ctx, editor, "m", 1, "Retired", false, Justification{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown stage: %v", err)
	}
	if _, _, err := e.reg.TransitionStage(ctx, editor, "m", 1, "Archived", true, Justification{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("archive_existing on Archived: %v", err)
	}
	if _, err := e.reg.LatestVersions(ctx, "m", []string{"Nope"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown stage filter: %v", err)
	}
}
