package server

import (
	"encoding/json"
	"strconv"

	"github.com/paddockml/paddock/registry"
)

// Wire types of MLflow's model registry (mlflow/protos/model_registry.proto),
// fields in proto order. As everywhere on the MLflow routes, unset fields
// and empty lists are omitted; version numbers are strings.

type wireAlias struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

type wireRegisteredModel struct {
	Name                 string             `json:"name"`
	CreationTimestamp    int64              `json:"creation_timestamp"`
	LastUpdatedTimestamp int64              `json:"last_updated_timestamp"`
	Description          string             `json:"description,omitempty"`
	LatestVersions       []wireModelVersion `json:"latest_versions,omitempty"`
	Tags                 []wireKV           `json:"tags,omitempty"`
	Aliases              []wireAlias        `json:"aliases,omitempty"`
}

type wireModelVersion struct {
	Name                 string   `json:"name"`
	Version              string   `json:"version"`
	CreationTimestamp    int64    `json:"creation_timestamp"`
	LastUpdatedTimestamp int64    `json:"last_updated_timestamp"`
	UserID               string   `json:"user_id,omitempty"`
	CurrentStage         string   `json:"current_stage"`
	Description          string   `json:"description,omitempty"`
	Source               string   `json:"source"`
	RunID                string   `json:"run_id,omitempty"`
	Status               string   `json:"status"`
	StatusMessage        string   `json:"status_message,omitempty"`
	Tags                 []wireKV `json:"tags,omitempty"`
	RunLink              string   `json:"run_link,omitempty"`
	Aliases              []string `json:"aliases,omitempty"`
}

// apiModelVersion is a version on the native API: MLflow's fields and
// Paddock's own.
type apiModelVersion struct {
	wireModelVersion
	Semver         string            `json:"semver,omitempty"`
	Flavor         string            `json:"flavor,omitempty"`
	Signature      json.RawMessage   `json:"signature,omitempty"`
	ArtifactURI    string            `json:"artifact_uri,omitempty"`
	ArtifactDigest string            `json:"artifact_digest,omitempty"`
	Metrics        []registry.Metric `json:"metrics,omitempty"`
	ParentVersion  *int64            `json:"parent_version,omitempty"`
}

func toWireTags(tags []registry.Tag) []wireKV {
	if len(tags) == 0 {
		return nil
	}
	out := make([]wireKV, len(tags))
	for i, t := range tags {
		out[i] = wireKV{Key: t.Key, Value: t.Value}
	}
	return out
}

func fromWireTags(in []wireKV) []registry.Tag {
	out := make([]registry.Tag, len(in))
	for i, t := range in {
		out[i] = registry.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func toWireModel(m registry.Model) wireRegisteredModel {
	w := wireRegisteredModel{
		Name: m.Name, CreationTimestamp: m.CreationTime, LastUpdatedTimestamp: m.LastUpdatedTime,
		Description: m.Description, Tags: toWireTags(m.Tags),
	}
	for _, v := range m.LatestVersions {
		w.LatestVersions = append(w.LatestVersions, toWireVersion(v))
	}
	for _, a := range m.Aliases {
		w.Aliases = append(w.Aliases, wireAlias{Alias: a.Alias, Version: strconv.FormatInt(a.Version, 10)})
	}
	return w
}

func toWireVersion(v registry.Version) wireModelVersion {
	return wireModelVersion{
		Name: v.Model, Version: strconv.FormatInt(v.Version, 10), CreationTimestamp: v.CreationTime,
		LastUpdatedTimestamp: v.LastUpdatedTime, UserID: v.UserID, CurrentStage: v.Stage, Description: v.Description,
		Source: v.Source, RunID: v.RunID, Status: v.Status, StatusMessage: v.StatusMessage, Tags: toWireTags(v.Tags),
		RunLink: v.RunLink, Aliases: v.Aliases,
	}
}

func toAPIVersion(v registry.Version) apiModelVersion {
	return apiModelVersion{
		wireModelVersion: toWireVersion(v), Semver: v.Semver, Flavor: v.Flavor, Signature: v.Signature,
		ArtifactURI: v.ArtifactURI, ArtifactDigest: v.ArtifactDigest, Metrics: v.Metrics, ParentVersion: v.ParentVersion,
	}
}
