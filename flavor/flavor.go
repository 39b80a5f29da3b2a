// Package flavor defines how Paddock runs a trained model inside its own
// process: a model format ("flavor") loads from an artifact directory,
// describes its input/output signature and predicts a batch of rows.
//
// The package is a leaf: it knows nothing of HTTP, the registry or storage.
// Each concrete flavor lives in a sub-package (xgboost, sklearn, onnx,
// pyworker) and is checked by the conformance suite in flavortest.
package flavor

import (
	"context"
	"errors"
	"fmt"
)

// DType is the element type of a Tensor.
type DType string

// The element types a Tensor can hold.
const (
	Float32 DType = "float32"
	Float64 DType = "float64"
	Int64   DType = "int64"
	String  DType = "string"
	Bool    DType = "bool"
)

// Conventional output names. Every flavor uses these so that serving can
// shape responses without knowing the flavor.
const (
	// OutputPredictions holds what the library's predict() returns:
	// regression values, class labels, raw ranking scores, or, for XGBoost,
	// exactly Booster.predict's output for the model's objective.
	OutputPredictions = "predictions"
	// OutputProbabilities holds class probabilities [batch, n_classes]
	// for classifiers (scikit-learn's predict_proba).
	OutputProbabilities = "probabilities"
)

// Tensor is a dense, row-major n-dimensional array of one element type.
// Exactly one of the data slices is used, matching DType; its length is the
// product of Shape. Float inputs use NaN for a missing value.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
	Str   []string
	Bool  []bool
}

// Len returns the number of elements the shape describes.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Allocate gives t zeroed data for its shape: the slice of its DType, or
// float64 (and DType Float64) for a dtype it does not know.
func (t *Tensor) Allocate() {
	n := t.Len()
	switch t.DType {
	case Float32:
		t.F32 = make([]float32, n)
	case Int64:
		t.I64 = make([]int64, n)
	case String:
		t.Str = make([]string, n)
	case Bool:
		t.Bool = make([]bool, n)
	default:
		t.DType, t.F64 = Float64, make([]float64, n)
	}
}

// TensorSpec describes one input or output of a model. A dimension of -1
// is dynamic (usually the batch dimension).
type TensorSpec struct {
	Name  string `json:"name"`
	DType DType  `json:"dtype"`
	Shape []int  `json:"shape"`
}

// ColumnSpec describes one named column of a tabular input.
type ColumnSpec struct {
	Name  string `json:"name"`
	DType DType  `json:"dtype"`
}

// Task says what kind of answer a model gives.
type Task string

// The tasks Paddock knows.
const (
	TaskRegression     Task = "regression"
	TaskClassification Task = "classification"
	TaskRanking        Task = "ranking"
	TaskOther          Task = "other"
)

// Signature describes a model's inputs and outputs.
//
// Tabular models (XGBoost, scikit-learn) take a single 2-D input
// [batch, len(Columns)]; Columns names the features in order when the
// model file records them (scikit-learn's feature_names_in_, XGBoost's
// feature_names) and otherwise holds generated names f0..fN-1.
// Tensor models (ONNX) list their inputs in Inputs.
type Signature struct {
	Task    Task         `json:"task"`
	Inputs  []TensorSpec `json:"inputs"`
	Outputs []TensorSpec `json:"outputs"`
	Columns []ColumnSpec `json:"columns,omitempty"`
	// Classes lists class labels in the order of the probabilities
	// output, for classifiers.
	Classes []string `json:"classes,omitempty"`
}

// Model is a loaded model ready to predict. Implementations are safe for
// concurrent use by multiple goroutines.
type Model interface {
	// Signature describes the model's inputs and outputs.
	Signature() Signature
	// Predict runs the model on a batch. inputs are matched to the
	// signature's inputs by position. The returned tensors are newly
	// allocated and owned by the caller.
	Predict(ctx context.Context, inputs []Tensor) ([]Tensor, error)
	// Close releases resources (worker processes, buffers).
	Close() error
}

// ErrUnsupported marks a model that is well formed but uses a feature
// (objective, estimator, operator) Paddock does not implement.
var ErrUnsupported = errors.New("unsupported model feature")

// ErrCorrupt marks a model file that cannot be parsed or is inconsistent.
var ErrCorrupt = errors.New("corrupt model file")

// ErrInput marks a predict call whose inputs do not match the signature.
var ErrInput = errors.New("invalid model input")

// InputError returns an error wrapping ErrInput with a message.
func InputError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...))
}
