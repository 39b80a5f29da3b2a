package registry

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

func TestModelLifecycleIsAudited(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	m, err := e.reg.CreateModel(ctx, editor, "churn", "predicts churn", []Tag{{Key: "team", Value: "growth"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "churn" || m.Description != "predicts churn" || len(m.Tags) != 1 || m.CreationTime == 0 || m.CreationTime != m.LastUpdatedTime {
		t.Fatalf("created %+v", m)
	}
	if _, err := e.reg.CreateModel(ctx, editor, "churn", "", nil); !errs.Is(err, errs.AlreadyExists) {
		t.Fatalf("duplicate: %v, want already_exists", err)
	}
	if m, err = e.reg.UpdateModel(ctx, editor, "churn", "v2 text"); err != nil || m.Description != "v2 text" {
		t.Fatalf("update: %+v %v", m, err)
	}
	if err := e.reg.SetModelTag(ctx, editor, "churn", Tag{Key: "owner", Value: "ana"}); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.DeleteModelTag(ctx, editor, "churn", "team"); err != nil {
		t.Fatal(err)
	}
	if m, _ = e.reg.GetModel(ctx, "churn"); len(m.Tags) != 1 || m.Tags[0] != (Tag{"owner", "ana"}) {
		t.Fatalf("tags %+v", m.Tags)
	}
	if m, err = e.reg.RenameModel(ctx, editor, "churn", "churn-v2"); err != nil || m.Name != "churn-v2" {
		t.Fatalf("rename: %+v %v", m, err)
	}
	if _, err := e.reg.GetModel(ctx, "churn"); !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), "Registered Model with name=churn not found") {
		t.Fatalf("old name: %v", err)
	}
	if err := e.reg.DeleteModel(ctx, admin, "churn-v2"); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.DeleteModel(ctx, admin, "churn-v2"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("second delete: %v", err)
	}

	got := e.events(audit.Query{ResourceKind: "model"})
	want := []string{"registry.model.create", "registry.model.update", "registry.model.set_tag", "registry.model.delete_tag",
		"registry.model.rename", "registry.model.delete"}
	if !slices.Equal(actions(got), want) {
		t.Fatalf("audit actions %v, want %v (the failed duplicate must leave nothing)", actions(got), want)
	}
	if got[0].Actor != "token:editor" || got[0].RequestID != "req-e" || got[0].Before != nil || got[0].After == nil {
		t.Errorf("create event %+v", got[0])
	}
	var before, after Model
	mustJSON(t, got[1].Before, &before)
	mustJSON(t, got[1].After, &after)
	if before.Description != "predicts churn" || after.Description != "v2 text" {
		t.Errorf("update before/after: %+v → %+v", before, after)
	}
	if del := got[5]; del.Actor != "token:admin" || del.After != nil || del.Before == nil {
		t.Errorf("delete event %+v", del)
	}
}

func TestModelInputErrors(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.model("a")
	e.model("b")
	cases := []struct {
		name string
		err  error
		code errs.Code
	}{
		{"empty name", first(e.reg.CreateModel(ctx, editor, "", "", nil)), errs.Invalid},
		{"slash in name", first(e.reg.CreateModel(ctx, editor, "a/b", "", nil)), errs.Invalid},
		{"bad tag key", first(e.reg.CreateModel(ctx, editor, "c", "", []Tag{{Key: "../x", Value: "1"}})), errs.Invalid},
		{"long tag value", e.reg.SetModelTag(ctx, editor, "a", Tag{Key: "k", Value: strings.Repeat("v", MaxTagValue+1)}), errs.Invalid},
		{"rename onto existing", first(e.reg.RenameModel(ctx, editor, "a", "b")), errs.AlreadyExists},
		{"rename missing", first(e.reg.RenameModel(ctx, editor, "zz", "yy")), errs.NotFound},
		{"update missing", first(e.reg.UpdateModel(ctx, editor, "zz", "")), errs.NotFound},
		{"tag missing model", e.reg.SetModelTag(ctx, editor, "zz", Tag{Key: "k", Value: "v"}), errs.NotFound},
	}
	for _, tc := range cases {
		if !errs.Is(tc.err, tc.code) {
			t.Errorf("%s: err = %v, want %s", tc.name, tc.err, tc.code)
		}
	}
}

func first[T any](_ T, err error) error { return err }
