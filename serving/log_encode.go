package serving

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving/codec"
)

// encodeOutputs writes a prediction as the log keeps it: an object of
// every model output by name ({"predictions": [...], "probabilities":
// [[...]]}), so comparisons can read labels and scores alike.
func encodeOutputs(outs []flavor.Tensor) json.RawMessage {
	b := append(make([]byte, 0, 128), '{')
	for i := range outs {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendString(b, outs[i].Name)
		b = append(b, ':')
		b = codec.AppendTensorCompact(b, &outs[i])
	}
	return append(b, '}')
}

// encodeInput writes a request's input for the log when inputs are kept:
// a table as {"columns": [...], "data": [[...]]} (MLflow's split orient),
// tensors as {"name": nested list}.
func encodeInput(in *codec.Input) json.RawMessage {
	if t := in.Table; t != nil {
		b := append(make([]byte, 0, 64+t.Rows*t.Width*8), `{"columns":`...)
		cols, _ := json.Marshal(t.Columns)
		b = append(append(b, cols...), `,"data":[`...)
		for r := range t.Rows {
			if r > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for c := range t.Width {
				if c > 0 {
					b = append(b, ',')
				}
				b = appendCell(b, &t.Cells[r*t.Width+c])
			}
			b = append(b, ']')
		}
		return append(b, "]}"...)
	}
	b := []byte{'{'}
	for i := range in.Tensors {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendString(b, in.Tensors[i].Name)
		b = append(b, ':')
		b = codec.AppendTensorCompact(b, &in.Tensors[i])
	}
	return append(b, '}')
}

func appendCell(b []byte, c *codec.Cell) []byte {
	switch c.Kind {
	case codec.Number:
		switch {
		case math.IsNaN(c.Num):
			return append(b, "NaN"...)
		case math.IsInf(c.Num, 1):
			return append(b, "Infinity"...)
		case math.IsInf(c.Num, -1):
			return append(b, "-Infinity"...)
		}
		return strconv.AppendFloat(b, c.Num, 'g', -1, 64)
	case codec.String:
		return codec.AppendString(b, c.Str)
	case codec.Bool:
		return strconv.AppendBool(b, c.Num != 0)
	}
	return append(b, "null"...)
}

// AppendRuleOutputs appends the rule answers of a request, one per row,
// as a JSON list: what every protocol returns and the log keeps when a
// rule answered instead of the model.
func (r *Result) AppendRuleOutputs(b []byte) []byte {
	b = append(b, '[')
	for i, p := range r.RuleOutputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p...)
	}
	return append(b, ']')
}
