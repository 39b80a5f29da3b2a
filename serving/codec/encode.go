package codec

import (
	"strconv"

	"github.com/paddockml/paddock/flavor"
)

// AppendTensor appends t's values as JSON nested by its shape ([n] a flat
// list, [n, k] a list of lists, ...). NaN and infinities are written as
// MLflow writes them (NaN, Infinity, -Infinity).
//
// The bytes are those of MLflow's json.dump of ndarray.tolist(): ", "
// and ": " separators, Python's float repr (float32 widened to float64
// first, as tolist() does) and non-ASCII characters escaped. A rank-0
// tensor is a single value. A tensor whose data does not fill its shape
// is written as a flat list.
func AppendTensor(dst []byte, t *flavor.Tensor) []byte {
	return appendNested(dst, t, &mlflowStyle)
}

func appendNested(dst []byte, t *flavor.Tensor, st *jsonStyle) []byte {
	shape, n := encodeShape(t)
	if len(shape) == 0 {
		return appendValue(dst, t, 0, st)
	}
	return appendDims(dst, t, shape, 0, n, st)
}

// appendDims writes the elements [off, off+count) of t nested by shape.
func appendDims(dst []byte, t *flavor.Tensor, shape []int, off, count int, st *jsonStyle) []byte {
	if len(shape) == 1 {
		return appendList(dst, t, off, off+count, st)
	}
	stride := 0
	if shape[0] > 0 {
		stride = count / shape[0]
	}
	dst = append(dst, '[')
	for i := 0; i < shape[0]; i++ {
		if i > 0 {
			dst = append(dst, st.comma...)
		}
		dst = appendDims(dst, t, shape[1:], off+i*stride, stride, st)
	}
	return append(dst, ']')
}

// AppendMLflow appends MLflow's scoring server response for the outputs
// serving chose (the model's predict_fn output): {"predictions": [...]}
// for one output, {"predictions": {"name": [...], ...}} for several.
//
// The bytes match predictions_to_json in mlflow/pyfunc/scoring_server:
// json.dump({"predictions": ndarray.tolist()}) with Python's defaults.
// No outputs give {"predictions": []}.
func AppendMLflow(dst []byte, outs []flavor.Tensor) []byte {
	st := &mlflowStyle
	dst = append(dst, `{"predictions": `...)
	switch len(outs) {
	case 0:
		dst = append(dst, "[]"...)
	case 1:
		dst = appendNested(dst, &outs[0], st)
	default:
		dst = append(dst, '{')
		for i := range outs {
			if i > 0 {
				dst = append(dst, st.comma...)
			}
			dst = appendString(dst, outs[i].Name, st)
			dst = append(dst, st.colon...)
			dst = appendNested(dst, &outs[i], st)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// AppendV2 appends an infer response: model_name, model_version, id
// (when set), parameters (when set) and outputs with name, datatype,
// shape and flat data.
//
// Keys come in the order of KServe's InferenceResponse and ResponseOutput
// models (model_name, model_version, id, parameters, outputs; name,
// shape, datatype, data), written compactly as Starlette does. NaN and
// infinities, which KServe cannot send, are null. Parameters is written
// as given and must be a JSON object.
func AppendV2(dst []byte, r *V2Response) []byte {
	st := &v2Style
	dst = append(dst, `{"model_name":`...)
	dst = appendString(dst, r.ModelName, st)
	dst = append(dst, `,"model_version":`...)
	dst = appendString(dst, r.ModelVersion, st)
	if r.ID != "" {
		dst = append(dst, `,"id":`...)
		dst = appendString(dst, r.ID, st)
	}
	if r.Parameters != nil {
		dst = append(dst, `,"parameters":`...)
		dst = append(dst, r.Parameters...)
	}
	dst = append(dst, `,"outputs":[`...)
	for i := range r.Outputs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendV2Output(dst, &r.Outputs[i], st)
	}
	return append(dst, "]}"...)
}

func appendV2Output(dst []byte, t *flavor.Tensor, st *jsonStyle) []byte {
	shape, n := encodeShape(t)
	dst = append(dst, `{"name":`...)
	dst = appendString(dst, t.Name, st)
	dst = append(dst, `,"shape":[`...)
	for k, d := range shape {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(d), 10)
	}
	dst = append(dst, `],"datatype":`...)
	dst = appendString(dst, V2Datatype(t.DType), st)
	dst = append(dst, `,"data":`...)
	dst = appendList(dst, t, 0, n, st)
	return append(dst, '}')
}
