package codec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// tabularSig is a 20-column float64 model like the xgboost fixtures'.
func tabularSig(width int) flavor.Signature {
	sig := flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, width}}}}
	for j := range width {
		sig.Columns = append(sig.Columns, flavor.ColumnSpec{Name: fmt.Sprintf("f%d", j), DType: flavor.Float64})
	}
	return sig
}

// benchValues are 20 values written as Python writes float64s: up to 17
// significant digits, the usual shape of a real request.
var benchValues = []string{
	"0.001230153371579945", "0.2987455427646637", "-0.27413785457611084", "null", "-0.454670786857605",
	"-0.9916465282440186", "0.0601436011493206", "1.3402152061462402", "-0.49220651388168335", "-0.6204748749732971",
	"0.4898420572280884", "0.35688701272010803", "0.1054142490029335", "-0.9304680228233337", "-0.02925182320177555",
	"1.1797248125076294", "-0.2601083517074585", "0.627722442150116", "0.04958248883485794", "-2.112943649291992",
}

func benchRowBody() []byte {
	return []byte(`{"rows": [[` + strings.Join(benchValues, ", ") + `]]}`)
}

func benchRecordBody() []byte {
	parts := make([]string, len(benchValues))
	for j, v := range benchValues {
		parts[j] = fmt.Sprintf(`"f%d": %s`, j, v)
	}
	return []byte(`{"rows": [{` + strings.Join(parts, ", ") + `}]}`)
}

func BenchmarkDecodeNativeRow(b *testing.B) {
	body := benchRowBody()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeNative(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeNativeRecord(b *testing.B) {
	body := benchRecordBody()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeNative(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBindRow(b *testing.B) {
	in, err := DecodeNative(benchRowBody())
	if err != nil {
		b.Fatal(err)
	}
	sig := tabularSig(20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bind(in, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDigestRow(b *testing.B) {
	in, _ := DecodeNative(benchRowBody())
	ts, err := Bind(in, tabularSig(20))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Digest(ts)
	}
}

// benchPath runs what serving does on every request: decode, bind, digest.
func benchPath(b *testing.B, body []byte) {
	sig := tabularSig(20)
	b.ReportAllocs()
	for b.Loop() {
		in, err := DecodeNative(body)
		if err != nil {
			b.Fatal(err)
		}
		ts, err := Bind(in, sig)
		if err != nil {
			b.Fatal(err)
		}
		Digest(ts)
	}
}

func BenchmarkNativeRowPath(b *testing.B)    { benchPath(b, benchRowBody()) }
func BenchmarkNativeRecordPath(b *testing.B) { benchPath(b, benchRecordBody()) }

func BenchmarkDecodeMLflowSplit(b *testing.B) {
	cols := make([]string, 20)
	for j := range cols {
		cols[j] = fmt.Sprintf(`"f%d"`, j)
	}
	body := []byte(`{"dataframe_split": {"columns": [` + strings.Join(cols, ", ") + `], "data": [[` + strings.Join(benchValues, ", ") + `]]}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeMLflow("application/json", body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeV2Row(b *testing.B) {
	vals := strings.ReplaceAll(strings.Join(benchValues, ","), "null", "0")
	body := []byte(`{"id":"1","inputs":[{"name":"input","shape":[1,20],"datatype":"FP64","data":[` + vals + `]}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeV2(body); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOutputs() []flavor.Tensor {
	return []flavor.Tensor{
		{Name: "probabilities", DType: flavor.Float32, Shape: []int{1, 3}, F32: []float32{0.1, 0.25, 0.65}},
	}
}

func BenchmarkAppendMLflow(b *testing.B) {
	outs := benchOutputs()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendMLflow(buf[:0], outs)
	}
}

func BenchmarkAppendV2(b *testing.B) {
	r := &V2Response{ModelName: "churn", ModelVersion: "3", ID: "42", Outputs: benchOutputs()}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendV2(buf[:0], r)
	}
}
