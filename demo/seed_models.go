package demo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/paddockml/paddock/registry"
)

// Delays of the story: a version is registered a little after its run
// ends, and an alias moves after a review.
const (
	registerAfter = 12 * time.Minute
	aliasAfter    = 2 * time.Hour
)

var seedCaller = registry.Caller{Actor: Actor, Approver: true}

// registerModel creates a registered model and one version per run it
// names, in order, each the child of the one before, then sets its
// aliases.
func (s *seeder) registerModel(ctx context.Context, md modelSpec) error {
	first, ok := s.runs[md.Versions[0].Run]
	if !ok {
		return fmt.Errorf("run %s was not created", md.Versions[0].Run)
	}
	s.clk.set(first.end.Add(registerAfter / 2))
	tags := make([]registry.Tag, 0, len(md.Tags)+1)
	for _, k := range slices.Sorted(maps.Keys(md.Tags)) {
		tags = append(tags, registry.Tag{Key: k, Value: md.Tags[k]})
	}
	tags = append(tags, registry.Tag{Key: TagDemo, Value: "true"})
	if _, err := s.models.CreateModel(ctx, seedCaller, md.Name, md.Description, tags); err != nil {
		return err
	}
	registered := map[int64]time.Time{}
	var parent *int64
	for _, v := range md.Versions {
		run := s.runs[v.Run]
		s.clk.set(run.end.Add(registerAfter))
		ver, err := s.models.CreateVersion(ctx, seedCaller, registry.CreateVersionRequest{
			Model: md.Name, Source: "runs:/" + run.id + "/model", RunID: run.id, Description: v.Description,
			ParentVersion: parent, Tags: []registry.Tag{{Key: TagDemo, Value: "true"}},
		})
		if err != nil {
			return fmt.Errorf("register run %s: %w", v.Run, err)
		}
		if ver.Status != registry.StatusReady {
			return fmt.Errorf("version %d of %s is %s: %s", ver.Version, md.Name, ver.Status, ver.StatusMessage)
		}
		registered[ver.Version] = run.end.Add(registerAfter)
		n := ver.Version
		parent = &n
	}
	return s.setAliases(ctx, md, registered)
}

// setAliases points each alias at its version, in the order the story
// moved them.
func (s *seeder) setAliases(ctx context.Context, md modelSpec, registered map[int64]time.Time) error {
	for _, alias := range slices.Sorted(maps.Keys(md.Aliases)) {
		v := md.Aliases[alias]
		at, ok := registered[v]
		if !ok {
			return fmt.Errorf("alias %s names version %d, which was not registered", alias, v)
		}
		if at = at.Add(aliasAfter); at.After(s.base) {
			at = s.base
		}
		s.clk.set(at)
		why := registry.Justification{Reason: fmt.Sprintf("demo: %s is version %d", alias, v)}
		if _, err := s.models.SetAlias(ctx, seedCaller, md.Name, alias, v, why); err != nil {
			return fmt.Errorf("alias %s: %w", alias, err)
		}
	}
	return nil
}
