// Package codec turns prediction requests in the three protocols Paddock
// serves into model inputs, and model outputs back into each protocol's
// response body:
//
//   - native:  POST /api/models/{name}/predict — {"rows": ...},
//     {"columns": ...} or {"inputs": ...};
//   - MLflow's scoring protocol: POST /models/{name}/invocations — JSON
//     with exactly one of dataframe_split, dataframe_records, instances,
//     inputs (plus optional params), or CSV with text/csv;
//   - the Open Inference Protocol (KServe V2): POST .../infer with
//     {"id", "inputs": [{name, shape, datatype, data}], "outputs"}.
//
// Decoding is in two steps. Decode* parses a body into an Input, which
// knows nothing of the model: a Table (rows of named or positional cells)
// or a list of named tensors. Bind then fits an Input to a model's
// flavor.Signature, checking column names, counts and types, and builds
// the flavor.Tensor values the model predicts on. Every problem is an
// error wrapping flavor.ErrInput whose message names the column or input
// at fault; serving answers it with 400.
//
// The package is on the request path of every prediction: parsing uses
// fastjson without building interface values, and the encoders append to
// a caller's buffer.
package codec

import (
	"errors"

	"github.com/paddockml/paddock/flavor"
)

// ErrMediaType marks a request whose Content-Type the protocol does not
// accept; serving answers it with 415.
var ErrMediaType = errors.New("unsupported media type")

// maxElements caps the cells or tensor elements one request may hold, so
// that a body declaring a huge shape cannot make the decoder allocate
// more than a few hundred megabytes. Counts are checked against it before
// anything of that size is allocated.
const maxElements = 1 << 26

// Kind is the type of one Table cell.
type Kind uint8

// The kinds of cell a request can hold.
const (
	Null Kind = iota // JSON null, an empty CSV field: a missing value
	Number
	String
	Bool
)

// Cell is one value of a Table.
type Cell struct {
	Kind Kind
	Num  float64 // Number; Bool is also 0 or 1 here
	Str  string  // String
}

// Table is tabular input: Rows rows of Width cells, row-major in Cells.
// Columns names the cells of each row when the request named them
// (records, split with columns, native columns, CSV header); it is nil
// for positional rows ([[1, 2], [3, 4]]).
type Table struct {
	Columns []string
	Rows    int
	Width   int
	Cells   []Cell
}

// Input is a decoded request before it is fitted to a model: exactly one
// of Table and Tensors is set.
type Input struct {
	Table *Table
	// Tensors are named (or, for a single unnamed input, Name "") tensors
	// from MLflow's instances/inputs in tensor form and KServe V2 inputs.
	Tensors []flavor.Tensor
	// Params are MLflow's "params" or KServe's "parameters", as raw JSON;
	// nil when absent.
	Params []byte
}

// V2Request is a decoded Open Inference Protocol infer request.
type V2Request struct {
	// ID is the request's "id", echoed in the response; "" when absent.
	ID string
	// Input holds the request's inputs as Tensors (Name = input name).
	Input Input
	// Outputs are the names of the outputs asked for; nil for all.
	Outputs []string
}

// V2Response is what AppendV2 writes.
type V2Response struct {
	ModelName    string
	ModelVersion string
	ID           string
	// Parameters is a JSON object added as "parameters"; nil for none.
	Parameters []byte
	Outputs    []flavor.Tensor
}
