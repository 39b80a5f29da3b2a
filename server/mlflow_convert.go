package server

import (
	"strconv"

	"github.com/paddockml/paddock/experiments"
)

func toWireKVs(in []experiments.Tag) []wireKV {
	if len(in) == 0 {
		return nil
	}
	out := make([]wireKV, len(in))
	for i, kv := range in {
		out[i] = wireKV{Key: kv.Key, Value: kv.Value}
	}
	return out
}

func fromWireKVs(in []wireKV) []experiments.Tag {
	out := make([]experiments.Tag, len(in))
	for i, kv := range in {
		out[i] = experiments.Tag{Key: kv.Key, Value: kv.Value}
	}
	return out
}

func toWireExperiment(e experiments.Experiment) wireExperiment {
	return wireExperiment{
		ExperimentID: strconv.FormatInt(e.ID, 10), Name: e.Name, ArtifactLocation: e.ArtifactLocation,
		LifecycleStage: e.LifecycleStage, LastUpdateTime: e.LastUpdateTime, CreationTime: e.CreationTime,
		Tags: toWireKVs(e.Tags),
	}
}

func toWireRunInfo(i experiments.RunInfo) wireRunInfo {
	return wireRunInfo{
		RunID: i.RunID, RunUUID: i.RunID, RunName: i.RunName, ExperimentID: strconv.FormatInt(i.ExperimentID, 10),
		UserID: i.UserID, Status: i.Status, StartTime: i.StartTime, EndTime: i.EndTime,
		ArtifactURI: i.ArtifactURI, LifecycleStage: i.LifecycleStage,
	}
}

func toWireRun(r experiments.Run) wireRun {
	w := wireRun{Info: toWireRunInfo(r.Info)}
	for _, m := range r.Metrics {
		w.Data.Metrics = append(w.Data.Metrics, wireMetric{Key: m.Key, Value: wireFloat(m.Value), Timestamp: m.Timestamp, Step: m.Step})
	}
	for _, p := range r.Params {
		w.Data.Params = append(w.Data.Params, wireKV{Key: p.Key, Value: p.Value})
	}
	w.Data.Tags = toWireKVs(r.Tags)
	for _, in := range r.Inputs {
		d := in.Dataset
		w.Inputs.DatasetInputs = append(w.Inputs.DatasetInputs, wireDatasetInput{
			Tags:    toWireKVs(in.Tags),
			Dataset: wireDataset{Name: d.Name, Digest: d.Digest, SourceType: d.SourceType, Source: d.Source, Schema: d.Schema, Profile: d.Profile},
		})
	}
	return w
}

func fromWireInputs(in []wireDatasetInput) []experiments.DatasetInput {
	out := make([]experiments.DatasetInput, len(in))
	for i, d := range in {
		ds := d.Dataset
		out[i] = experiments.DatasetInput{Tags: fromWireKVs(d.Tags), Dataset: experiments.Dataset{
			Name: ds.Name, Digest: ds.Digest, SourceType: ds.SourceType, Source: ds.Source, Schema: ds.Schema, Profile: ds.Profile,
		}}
	}
	return out
}
