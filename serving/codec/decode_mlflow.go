package codec

import (
	"strings"

	"github.com/valyala/fastjson"
)

// Media types of MLflow's scoring server (mlflow/pyfunc/scoring_server).
const (
	ctJSON = "application/json"
	ctCSV  = "text/csv"
)

// mlflowKeys are the scoring protocol's input fields, in the order the
// messages list them (MLflow prints a Python set, whose order varies),
// followed by params.
var mlflowKeys = []string{"dataframe_split", "dataframe_records", "instances", "inputs", "params"}

// Messages of MLflow's scoring server, quoted so that clients matching on
// them keep working.
const (
	mlflowRequiredFormat = "The input must be a JSON dictionary with exactly one of the input fields " +
		"{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}"
	mlflowProtocolChange = "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are" +
		" seeing this error, you are likely using an outdated scoring request format. To resolve the" +
		" error, either update your request format or adjust your MLflow Model's requirements file to" +
		" specify an older version of MLflow (for example, change the 'mlflow' requirement specifier" +
		" to 'mlflow==1.30.0'). If you are making a request using the MLflow client" +
		" (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in" +
		" order to use the new request format. For more information about the updated MLflow" +
		" Model scoring protocol in MLflow 2.0, see" +
		" https://mlflow.org/docs/latest/models.html#deploy-mlflow-models."
)

// DecodeMLflow parses a body of MLflow's scoring protocol. contentType is
// the request's Content-Type header: application/json (any parameters,
// e.g. charset) takes JSON with exactly one of dataframe_split,
// dataframe_records, instances and inputs; text/csv takes CSV with a
// header row. Any other content type is an error wrapping ErrMediaType.
// Errors are worded as MLflow's scoring server words them where it can.
//
// Unknown top-level keys are ignored, as MLflow ignores them; MLflow's
// unwrapped LLM inputs (messages, prompt, input) are not served.
func DecodeMLflow(contentType string, body []byte) (Input, error) {
	mime, err := mlflowMediaType(contentType)
	if err != nil {
		return Input{}, err
	}
	if mime == ctCSV {
		return decodeCSV(body)
	}
	return decodeMLflowJSON(body)
}

// mlflowMediaType checks a Content-Type as MLflow's invocations() does:
// the charset parameter, if any, must be UTF-8 and no other parameter is
// allowed (MLflow 1.x's format=pandas-split gets the protocol-change
// notice). Unlike MLflow, the type and parameter names are matched
// without regard to case, as RFC 9110 has them, and quotes around the
// charset are allowed.
func mlflowMediaType(contentType string) (string, error) {
	parts := strings.Split(contentType, ";")
	mime := strings.ToLower(strings.TrimSpace(parts[0]))
	if mime != ctJSON && mime != ctCSV {
		return "", mediaErr("This predictor only supports the following content types: Types: ['%s', '%s']. Got '%s'.",
			ctCSV, ctJSON, contentType)
	}
	var unknown []string
	for _, p := range parts[1:] {
		key, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		key = strings.ToLower(strings.TrimSpace(key))
		switch key {
		case "":
		case "charset":
			if cs := strings.ToLower(strings.Trim(strings.TrimSpace(value), `"`)); cs != "utf-8" && cs != "utf8" {
				return "", mediaErr("The scoring server only supports UTF-8")
			}
		default:
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		return "", mediaErr("Unrecognized content type parameters: %s. %s", strings.Join(unknown, ", "), mlflowProtocolChange)
	}
	return mime, nil
}

func decodeMLflowJSON(body []byte) (Input, error) {
	d := getDecoder()
	defer d.put()
	v, err := d.parse(body)
	if err != nil {
		return Input{}, inputErr("Invalid input. Ensure that input is a valid JSON formatted string. Error: '%v'", err)
	}
	switch v.Type() {
	case fastjson.TypeObject:
	case fastjson.TypeArray:
		return Input{}, inputErr("Invalid input. %s. Received a list.", mlflowRequiredFormat)
	default:
		return Input{}, inputErr("Invalid input. %s. Received unexpected input type '%s'.", mlflowRequiredFormat, d.pyType(v))
	}
	o, _ := v.Object()
	var f [5]*fastjson.Value
	if err := pickFields(o, mlflowKeys, f[:], false); err != nil {
		return Input{}, err
	}
	if n := countSet(f[0], f[1], f[2], f[3]); n != 1 {
		return Input{}, inputErr("%s. Received dictionary with input fields: %s. %s",
			mlflowRequiredFormat, pyKeyList(o), mlflowProtocolChange)
	}
	var in Input
	switch {
	case f[0] != nil:
		in.Table, err = d.mlflowSplit(f[0])
	case f[1] != nil:
		in.Table, err = d.mlflowRecords(f[1])
	case f[2] != nil:
		in, err = d.mlflowInstances(f[2])
	default:
		in.Tensors, err = d.tensorInputs("inputs", f[3])
	}
	if err == nil && f[4] != nil {
		in.Params, err = rawObject("params", f[4])
	}
	if err != nil {
		return Input{}, err
	}
	return in, nil
}

// pyType names a JSON value's Python type as MLflow's messages do.
func (d *decoder) pyType(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		return "<class 'str'>"
	case fastjson.TypeNumber:
		if _, isInt, _ := d.intLiteral(v); isInt {
			return "<class 'int'>"
		}
		return "<class 'float'>"
	case fastjson.TypeNull:
		return "<class 'NoneType'>"
	case fastjson.TypeArray:
		return "<class 'list'>"
	case fastjson.TypeObject:
		return "<class 'dict'>"
	}
	return "<class 'bool'>"
}

// pyKeyList writes an object's keys as Python prints a list of strings.
func pyKeyList(o *fastjson.Object) string {
	return pyStrings(o, "[", "]")
}

// pyKeySet writes an object's keys as Python prints a set of strings.
func pyKeySet(o *fastjson.Object) string {
	return pyStrings(o, "{", "}")
}

func pyStrings(o *fastjson.Object, open, close string) string {
	var b strings.Builder
	b.WriteString(open)
	i := 0
	o.Visit(func(k []byte, _ *fastjson.Value) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'")
		b.Write(k)
		b.WriteString("'")
		i++
	})
	b.WriteString(close)
	return b.String()
}
