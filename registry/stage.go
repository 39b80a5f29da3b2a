package registry

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// MLflow's legacy stages. Paddock keeps them as a view of aliases:
//
//   - a version the "production" alias points to is in Production, one
//     the "staging" alias points to is in Staging (Production wins when
//     both do);
//   - any other version is in its stored stage, None or Archived.
//
// Transitioning to Staging or Production moves that alias (so at most one
// version is in each, and approval policies on the alias apply);
// transitioning to None or Archived removes the version's staging and
// production aliases and stores the stage.
const (
	StageNone       = "None"
	StageStaging    = "Staging"
	StageProduction = "Production"
	StageArchived   = "Archived"
)

// The aliases the Staging and Production stages map to.
const (
	AliasStaging    = "staging"
	AliasProduction = "production"
)

var allStages = []string{StageNone, StageStaging, StageProduction, StageArchived}

// CanonicalStage accepts a stage name in any case, as MLflow does.
func CanonicalStage(stage string) (string, error) {
	for _, s := range allStages {
		if strings.EqualFold(s, stage) {
			return s, nil
		}
	}
	return "", errs.E(errs.Invalid, "Invalid Model Version stage: %s. Value must be one of %s.", stage, strings.Join(allStages, ", "))
}

func currentStage(stored string, aliases []string) string {
	switch {
	case slices.Contains(aliases, AliasProduction):
		return StageProduction
	case slices.Contains(aliases, AliasStaging):
		return StageStaging
	case stored == "":
		return StageNone
	}
	return stored
}

func stageAlias(stage string) string {
	if stage == StageProduction {
		return AliasProduction
	}
	return AliasStaging
}

// latestVersions returns the highest version in each of the given stages
// (all stages when none are given), ordered by version.
func (s *Service) latestVersions(ctx context.Context, q querier, m modelRow, stages []string) ([]Version, error) {
	want := allStages
	if len(stages) > 0 {
		want = nil
		for _, st := range stages {
			c, err := CanonicalStage(st)
			if err != nil {
				return nil, err
			}
			want = append(want, c)
		}
	}
	versions, err := s.modelVersions(ctx, q, m)
	if err != nil {
		return nil, err
	}
	best := map[string]Version{}
	for _, v := range versions {
		if b, ok := best[v.Stage]; slices.Contains(want, v.Stage) && (!ok || v.Version > b.Version) {
			best[v.Stage] = v
		}
	}
	out := make([]Version, 0, len(best))
	for _, v := range best {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Version) int { return int(a.Version - b.Version) })
	return out, nil
}

// modelVersions reads every version of a model with tags and aliases.
func (s *Service) modelVersions(ctx context.Context, q querier, m modelRow) ([]Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionColumns+versionFrom+` WHERE v.model_pk = ? ORDER BY v.version`, m.pk)
	if err != nil {
		return nil, err
	}
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := fillVersion(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LatestVersions is MLflow's get-latest-versions: the highest version in
// each requested stage.
func (s *Service) LatestVersions(ctx context.Context, name string, stages []string) ([]Version, error) {
	m, err := s.loadModel(ctx, s.db.Read, name)
	if err != nil {
		return nil, err
	}
	return s.latestVersions(ctx, s.db.Read, m, stages)
}

// TransitionStage is MLflow's transition-stage mapped onto aliases (see
// the stage constants). With archiveExisting, the version that held the
// stage before is archived. When the move needs approval the version is
// left as it is and the pending request is returned instead.
func (s *Service) TransitionStage(ctx context.Context, who Caller, name string, version int64, stage string, archiveExisting bool, why Justification) (Version, *ApprovalRequest, error) {
	stage, err := CanonicalStage(stage)
	if err != nil {
		return Version{}, nil, err
	}
	if archiveExisting && stage != StageStaging && stage != StageProduction {
		return Version{}, nil, errs.E(errs.Invalid, "Model version transition cannot archive existing model versions because '%s' is not an Active stage. Valid stages are Staging, Production", stage)
	}
	var req *ApprovalRequest
	moved := false
	err = s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		before, err := s.loadVersion(ctx, tx, m.pk, name, version)
		if err != nil {
			return err
		}
		var changed bool
		if stage == StageStaging || stage == StageProduction {
			req, changed, err = s.enterStage(ctx, tx, who, m, before, stage, archiveExisting, why)
		} else {
			req, changed, err = s.leaveStages(ctx, tx, who, m, before, stage, why)
		}
		if err != nil || req != nil {
			return err
		}
		moved = changed
		after, err := s.loadVersion(ctx, tx, m.pk, name, version)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.version.transition_stage", versionResource(name, version), before, after, why.Reason)
	})
	if err != nil {
		return Version{}, nil, err
	}
	if moved {
		s.feed.notify()
	}
	v, err := s.GetVersion(ctx, name, version)
	return v, req, err
}

// enterStage points the stage's alias at v, archiving the previous holder
// when asked.
func (s *Service) enterStage(ctx context.Context, tx *sql.Tx, who Caller, m modelRow, v Version, stage string, archive bool, why Justification) (*ApprovalRequest, bool, error) {
	alias := stageAlias(stage)
	target := v.Version
	prev, err := aliasVersion(ctx, tx, m.pk, alias)
	if err != nil {
		return nil, false, err
	}
	req, changed, err := s.moveOrRequest(ctx, tx, who, m, alias, &target, why)
	if err != nil || req != nil {
		return req, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE model_versions SET stage = ?, last_updated_time = ? WHERE version_pk = ?`, StageNone, s.nowMillis(), v.pk); err != nil {
		return nil, false, err
	}
	if archive && prev != nil && *prev != v.Version {
		if _, err := tx.ExecContext(ctx, `UPDATE model_versions SET stage = ?, last_updated_time = ? WHERE model_pk = ? AND version = ?`,
			StageArchived, s.nowMillis(), m.pk, *prev); err != nil {
			return nil, false, err
		}
	}
	return nil, changed, nil
}

// leaveStages removes v's staging and production aliases and stores the
// stage. If removing one needs approval, nothing changes: a request is
// filed for each guarded alias and the first is returned.
func (s *Service) leaveStages(ctx context.Context, tx *sql.Tx, who Caller, m modelRow, v Version, stage string, why Justification) (*ApprovalRequest, bool, error) {
	var held []string
	var guarded []string
	for _, alias := range []string{AliasProduction, AliasStaging} {
		if !slices.Contains(v.Aliases, alias) {
			continue
		}
		held = append(held, alias)
		g, err := s.needsApproval(ctx, tx, who, m, alias)
		if err != nil {
			return nil, false, err
		}
		if g {
			guarded = append(guarded, alias)
		}
	}
	var first *ApprovalRequest
	for _, alias := range guarded {
		req, err := s.requestApproval(ctx, tx, who, m, alias, nil, why)
		if err != nil {
			return nil, false, err
		}
		if first == nil {
			first = &req
		}
	}
	if first != nil {
		return first, false, nil
	}
	for _, alias := range held {
		if _, err := s.moveAlias(ctx, tx, who, m, alias, nil, why.Reason); err != nil {
			return nil, false, err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE model_versions SET stage = ?, last_updated_time = ? WHERE version_pk = ?`, stage, s.nowMillis(), v.pk)
	return nil, len(held) > 0, err
}
