package pyworker

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/paddockml/paddock/flavor"
)

// The request operations of the protocol.
const (
	opLoad     = "load"
	opPredict  = "predict"
	opHealth   = "health"
	opShutdown = "shutdown"
)

// request is the JSON body of a frame Paddock sends.
type request struct {
	ID     uint64      `json:"id"`
	Op     string      `json:"op"`
	Path   string      `json:"path,omitempty"`
	Layout string      `json:"layout,omitempty"`
	Pyfunc *pyfuncConf `json:"pyfunc,omitempty"`
	// Columns names the DataFrame columns an MLflow model expects.
	Columns []string `json:"columns,omitempty"`
}

// response is the JSON body of a frame a worker sends.
type response struct {
	ID    *uint64    `json:"id"`
	OK    *bool      `json:"ok"`
	Error *wireError `json:"error"`
	// Outputs answers predict.
	Outputs []wireTensor `json:"outputs"`
	// The fields below answer load.
	Signature json.RawMessage `json:"signature"`
	Kind      string          `json:"kind"`
	PID       int             `json:"pid"`
	Python    string          `json:"python"`
}

type wireError struct {
	Kind      string `json:"kind"`
	Type      string `json:"type"`
	Message   string `json:"message"`
	Traceback string `json:"traceback"`
}

// wireTensor is a flavor.Tensor on the wire. Data holds the values in
// row-major order: for float64, float32, int64 and bool a JSON string with
// the base64 of the little-endian values (what both sides write), or a
// flat JSON array (accepted from hand-written peers; floats may use the
// strings "NaN", "Infinity" and "-Infinity"); for string always an array.
type wireTensor struct {
	Name  string          `json:"name"`
	DType flavor.DType    `json:"dtype"`
	Shape []int           `json:"shape"`
	Data  json.RawMessage `json:"data"`
}

// encodeRequest marshals req and frames it.
func encodeRequest(req *request, max int) ([]byte, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", req.Op, err)
	}
	return appendFrame(nil, payload, max)
}

// encodePredict frames a predict request. It writes the JSON by hand:
// tensor data is already valid JSON from encodeTensor, and passing it
// through json.Marshal would scan every byte of it again.
func encodePredict(id uint64, inputs []wireTensor, max int) ([]byte, error) {
	size := 64
	for _, w := range inputs {
		size += len(w.Name) + len(w.Data) + 16*len(w.Shape) + 64
	}
	b := make([]byte, frameHeader, frameHeader+size)
	b = fmt.Appendf(b, `{"id":%d,"op":%q,"inputs":[`, id, opPredict)
	for i, w := range inputs {
		if i > 0 {
			b = append(b, ',')
		}
		name, err := json.Marshal(w.Name)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `{"name":`...), name...)
		b = fmt.Appendf(b, `,"dtype":%q,"shape":[`, w.DType)
		for j, d := range w.Shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(append(append(b, `],"data":`...), w.Data...), '}')
	}
	b = append(b, "]}"...)
	n := len(b) - frameHeader
	if n > max {
		return nil, fmt.Errorf("%w: request of %d bytes, limit %d", ErrFrameTooLarge, n, max)
	}
	binary.BigEndian.PutUint32(b, uint32(n))
	return b, nil
}

// decodeResponse parses a frame payload and checks the envelope: a JSON
// object with an integer id, a boolean ok, and an error when ok is false.
func decodeResponse(payload []byte) (*response, error) {
	var r response
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: reply is not a JSON object: %w", ErrProtocol, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the reply object", ErrProtocol)
	}
	if r.ID == nil || r.OK == nil {
		return nil, fmt.Errorf("%w: reply lacks id or ok", ErrProtocol)
	}
	if !*r.OK && r.Error == nil {
		return nil, fmt.Errorf("%w: failed reply lacks an error", ErrProtocol)
	}
	return &r, nil
}

// pythonError converts a failed reply into a *PythonError.
func (r *response) pythonError(op string) error {
	e := r.Error
	return &PythonError{Op: op, Kind: e.Kind, Type: e.Type, Message: e.Message, Traceback: e.Traceback}
}

// encodeTensor converts t to its wire form. t must already be validated.
func encodeTensor(name string, t *flavor.Tensor) (wireTensor, error) {
	w := wireTensor{Name: name, DType: t.DType, Shape: t.Shape}
	if w.Shape == nil {
		w.Shape = []int{}
	}
	if rawSize(t.DType) > 0 {
		w.Data = appendRaw(nil, t)
		return w, nil
	}
	if t.DType != flavor.String {
		return w, flavor.InputError("tensor %q: unknown dtype %q", name, t.DType)
	}
	s := t.Str
	if s == nil {
		s = []string{}
	}
	b, err := json.Marshal(s)
	w.Data = b
	return w, err
}

// decodeTensor converts a worker's output tensor, checking that the data
// holds exactly as many values of the right type as the shape says.
func decodeTensor(w wireTensor) (flavor.Tensor, error) {
	t := flavor.Tensor{Name: w.Name, DType: w.DType, Shape: w.Shape}
	if !slices.Contains(knownDTypes, w.DType) {
		return t, fmt.Errorf("%w: output %q: unknown dtype %q", ErrProtocol, w.Name, w.DType)
	}
	n, err := shapeCount(w.Shape, len(w.Data))
	if err != nil {
		return t, fmt.Errorf("%w: output %q: %w", ErrProtocol, w.Name, err)
	}
	if len(w.Data) > 0 && w.Data[0] == '"' {
		err = decodeRaw(&t, w.Data, n)
	} else {
		err = decodeArray(&t, w.Data, n)
	}
	if err != nil {
		return t, fmt.Errorf("%w: output %q: %w", ErrProtocol, w.Name, err)
	}
	return t, nil
}

// decodeArray fills t's data from a flat JSON array of n values.
func decodeArray(t *flavor.Tensor, data []byte, n int) error {
	var err error
	switch t.DType {
	case flavor.Float64:
		t.F64, err = parseFloats(data, n, 64)
	case flavor.Float32:
		var f []float64
		if f, err = parseFloats(data, n, 32); err == nil {
			t.F32 = narrow(f)
		}
	case flavor.Int64:
		t.I64, err = parseInts(data, n)
	case flavor.Bool:
		t.Bool, err = parseBools(data, n)
	case flavor.String:
		t.Str, err = parseStrings(data, n)
	}
	return err
}

func narrow(f []float64) []float32 {
	out := make([]float32, len(f))
	for i, v := range f {
		out[i] = float32(v)
	}
	return out
}

// shapeCount returns the number of elements a shape describes. Every
// element takes at least one byte of JSON, so a count above limit cannot
// be backed by the data and is rejected before anything is allocated.
func shapeCount(shape []int, limit int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > limit/d {
			return 0, fmt.Errorf("shape %v holds more values than the data can", shape)
		}
		n *= d
	}
	return n, nil
}
