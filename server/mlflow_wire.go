package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Wire types for the MLflow REST API. MLflow serialises protobuf messages
// with snake_case names, int64 as JSON numbers, NaN and infinities as the
// strings "NaN", "Infinity" and "-Infinity", and omits unset fields and
// empty lists. Requests are read leniently, as protobuf's JSON parser
// does: an int64 may arrive as a number or a string, a double as a number
// or one of those strings.

// flexInt is an int64 that decodes from a JSON number or string.
type flexInt struct {
	V   int64
	Set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fv, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || fv != math.Trunc(fv) || math.Abs(fv) > 1<<62 {
			return fmt.Errorf("expected an integer, got %s", b)
		}
		v = int64(fv)
	}
	f.V, f.Set = v, true
	return nil
}

// Ptr returns a pointer to the value, nil when unset.
func (f flexInt) Ptr() *int64 {
	if !f.Set {
		return nil
	}
	v := f.V
	return &v
}

// flexFloat is a double that decodes from a JSON number or the strings
// protobuf uses for non-finite values.
type flexFloat struct {
	V   float64
	Set bool
}

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "NaN", "nan":
		f.V = math.NaN()
	case "Infinity", "inf":
		f.V = math.Inf(1)
	case "-Infinity", "-inf":
		f.V = math.Inf(-1)
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("expected a number, got %s", b)
		}
		f.V = v
	}
	f.Set = true
	return nil
}

// flexString is a string that also accepts a JSON number (experiment ids
// are strings on the wire but some clients send numbers).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err != nil {
		return fmt.Errorf("expected a string, got %s", b)
	}
	*f = flexString(b)
	return nil
}

// flexStrings is a list of strings that also accepts a single string (a
// GET query parameter given once).
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] != '[' {
		var one flexString
		if err := one.UnmarshalJSON(b); err != nil {
			return err
		}
		*f = flexStrings{string(one)}
		return nil
	}
	var list []flexString
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	out := make(flexStrings, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	*f = out
	return nil
}

// wireFloat encodes a double as MLflow does: non-finite values as strings.
type wireFloat float64

func (w wireFloat) MarshalJSON() ([]byte, error) {
	v := float64(w)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type wireKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type wireMetric struct {
	Key       string    `json:"key"`
	Value     wireFloat `json:"value"`
	Timestamp int64     `json:"timestamp"`
	Step      int64     `json:"step"`
	RunID     string    `json:"run_id,omitempty"`
}

type wireExperiment struct {
	ExperimentID     string   `json:"experiment_id"`
	Name             string   `json:"name"`
	ArtifactLocation string   `json:"artifact_location"`
	LifecycleStage   string   `json:"lifecycle_stage"`
	LastUpdateTime   int64    `json:"last_update_time"`
	CreationTime     int64    `json:"creation_time"`
	Tags             []wireKV `json:"tags,omitempty"`
}

type wireRunInfo struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id"`
	Status         string `json:"status"`
	StartTime      *int64 `json:"start_time,omitempty"`
	EndTime        *int64 `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri"`
	LifecycleStage string `json:"lifecycle_stage"`
}

type wireRunData struct {
	Metrics []wireMetric `json:"metrics,omitempty"`
	Params  []wireKV     `json:"params,omitempty"`
	Tags    []wireKV     `json:"tags,omitempty"`
}

type wireDataset struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

type wireDatasetInput struct {
	Tags    []wireKV    `json:"tags,omitempty"`
	Dataset wireDataset `json:"dataset"`
}

type wireRunInputs struct {
	DatasetInputs []wireDatasetInput `json:"dataset_inputs,omitempty"`
}

type wireRun struct {
	Info   wireRunInfo   `json:"info"`
	Data   wireRunData   `json:"data"`
	Inputs wireRunInputs `json:"inputs"`
}
