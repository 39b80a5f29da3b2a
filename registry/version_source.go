package registry

import (
	"context"
	"net/url"
	"path"
	"strings"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

// Artifact keys. Registered files live under the prefix the MLflow
// proxied artifact API serves (mlartifacts/), so that MLflow clients
// download a version from its artifact URI, mlflow-artifacts:/models/...
const modelsRoot = artifact.ProxiedRoot + "/models"

// sourcePlan is what a version's source resolves to.
type sourcePlan struct {
	// prefix is the store key (a file or a directory) to copy from; ""
	// for an external source, which is referenced and not copied.
	prefix string
	// runID is the run a runs:/ source names.
	runID string
}

// resolveSource turns a version source into a plan:
//
//   - runs:/<run_id>/<path>: <path> under the run's artifact location;
//   - mlflow-artifacts:/<path> (with or without a host): the proxied
//     artifact store, where MLflow clients log models;
//   - models:/<name>/<version> or models:/<name>@<alias>: another
//     version's files;
//   - a remote URI (s3://, gs://, https://, ...): referenced only.
//
// Local paths and file: URIs are refused, as MLflow's server does.
func (s *Service) resolveSource(ctx context.Context, source string) (sourcePlan, error) {
	if source == "" {
		return sourcePlan{}, errs.E(errs.Invalid, "Missing value for required parameter 'source'.")
	}
	switch {
	case strings.HasPrefix(source, "runs:/"):
		return s.runSource(ctx, source)
	case strings.HasPrefix(source, "models:/"):
		v, err := s.Resolve(ctx, source)
		if err != nil {
			return sourcePlan{}, err
		}
		if v.Status != StatusReady || v.prefix == "" {
			return sourcePlan{}, errs.E(errs.Invalid, "Invalid model version source: '%s': version %d of %s has no files in Paddock's store", source, v.Version, v.Model)
		}
		return sourcePlan{prefix: v.prefix}, nil
	}
	u, err := url.Parse(source)
	if err != nil || len(u.Scheme) < 2 || u.Scheme == "file" {
		return sourcePlan{}, errs.E(errs.Invalid, "Invalid model version source: '%s'. Use runs:/, models:/ or mlflow-artifacts:/ sources for files in Paddock's store, or a remote URI (s3://, gs://, https://, ...) to reference files elsewhere; local paths are not accepted.", source)
	}
	if u.Scheme == "mlflow-artifacts" {
		return proxiedSource(source, u.Path)
	}
	if p, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.Contains(p, "\x00") || hasDotDot(p) {
		return sourcePlan{}, errs.E(errs.Invalid, "Invalid model version source: '%s'. An absolute path without relative path references must be provided.", source)
	}
	return sourcePlan{}, nil
}

func hasDotDot(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// proxiedSource maps an mlflow-artifacts path to a store key.
func proxiedSource(source, p string) (sourcePlan, error) {
	p = strings.Trim(p, "/")
	key := artifact.ProxiedKey(p)
	if err := artifact.ValidateKey(key); err != nil || p == "" || hasDotDot(p) {
		return sourcePlan{}, errs.E(errs.Invalid, "Invalid model version source: '%s'. An absolute path without relative path references must be provided.", source)
	}
	return sourcePlan{prefix: key}, nil
}

// runSource resolves runs:/<run_id>/<path> through the run's artifact
// location.
func (s *Service) runSource(ctx context.Context, source string) (sourcePlan, error) {
	rest := strings.TrimPrefix(source, "runs:/")
	runID, rel, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	if runID == "" {
		return sourcePlan{}, errs.E(errs.Invalid, "Invalid model version source: '%s': no run id (want runs:/<run_id>/<path>)", source)
	}
	if s.runs == nil {
		return sourcePlan{}, errs.E(errs.Invalid, "Invalid model version source: '%s': experiment tracking is not enabled", source)
	}
	run, err := s.runs.GetRun(ctx, runID)
	if err != nil {
		return sourcePlan{}, err
	}
	root := strings.TrimSuffix(run.Info.ArtifactURI, "/")
	loc, ok := strings.CutPrefix(root, experiments.ArtifactScheme)
	if !ok {
		// The run keeps its artifacts elsewhere: reference them there.
		return sourcePlan{runID: runID}, nil
	}
	plan, err := proxiedSource(source, path.Join(loc, rel))
	plan.runID = runID
	return plan, err
}
