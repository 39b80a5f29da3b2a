package mlmodel

import (
	"errors"
	"reflect"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		name            string
		inputs, outputs string
		want            flavor.Signature
	}{
		{
			name:    "named double columns become one tabular tensor",
			inputs:  `[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}]`,
			outputs: `[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]`,
			want: flavor.Signature{Task: flavor.TaskOther,
				Inputs:  []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, 2}}},
				Outputs: []flavor.TensorSpec{{Name: "predictions", DType: flavor.Float32, Shape: []int{-1}}},
				Columns: []flavor.ColumnSpec{{Name: "a", DType: flavor.Float64}, {Name: "b", DType: flavor.Float64}}},
		},
		{
			name:   "mixed column types become one tensor per column",
			inputs: `[{"type": "string", "name": "city"}, {"type": "long", "name": "age"}, {"type": "boolean", "name": "vip"}]`,
			want: flavor.Signature{Task: flavor.TaskOther,
				Inputs: []flavor.TensorSpec{{Name: "city", DType: flavor.String, Shape: []int{-1}},
					{Name: "age", DType: flavor.Int64, Shape: []int{-1}}, {Name: "vip", DType: flavor.Bool, Shape: []int{-1}}},
				Columns: []flavor.ColumnSpec{{Name: "city", DType: flavor.String}, {Name: "age", DType: flavor.Int64}, {Name: "vip", DType: flavor.Bool}}},
		},
		{
			name:    "every MLflow column type",
			inputs:  `[{"type": "boolean"}, {"type": "integer"}, {"type": "long"}, {"type": "float"}, {"type": "double"}, {"type": "string"}, {"type": "binary"}, {"type": "datetime"}]`,
			outputs: `[{"type": "long"}]`,
			want: flavor.Signature{Task: flavor.TaskOther,
				Inputs: []flavor.TensorSpec{{Name: "input_0", DType: flavor.Bool, Shape: []int{-1}},
					{Name: "input_1", DType: flavor.Int64, Shape: []int{-1}}, {Name: "input_2", DType: flavor.Int64, Shape: []int{-1}},
					{Name: "input_3", DType: flavor.Float32, Shape: []int{-1}}, {Name: "input_4", DType: flavor.Float64, Shape: []int{-1}},
					{Name: "input_5", DType: flavor.String, Shape: []int{-1}}, {Name: "input_6", DType: flavor.String, Shape: []int{-1}},
					{Name: "input_7", DType: flavor.String, Shape: []int{-1}}},
				Outputs: []flavor.TensorSpec{{Name: "predictions", DType: flavor.Int64, Shape: []int{-1}}}},
		},
		{
			name: "named tensors",
			inputs: `[{"name": "ids", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1, 128]}},
			          {"name": "mask", "type": "tensor", "tensor-spec": {"dtype": "bool", "shape": [-1, 128]}}]`,
			outputs: `[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}, {"type": "tensor", "tensor-spec": {"dtype": "str352", "shape": [-1]}}]`,
			want: flavor.Signature{Task: flavor.TaskOther,
				Inputs: []flavor.TensorSpec{{Name: "ids", DType: flavor.Int64, Shape: []int{-1, 128}},
					{Name: "mask", DType: flavor.Bool, Shape: []int{-1, 128}}},
				Outputs: []flavor.TensorSpec{{Name: "predictions_0", DType: flavor.Float32, Shape: []int{-1, 2}},
					{Name: "predictions_1", DType: flavor.String, Shape: []int{-1}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Signature{Inputs: tt.inputs, Outputs: tt.outputs}
			if err := s.validate(); err != nil {
				t.Fatal(err)
			}
			got, err := s.Convert()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Convert:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestConvertUnsupported(t *testing.T) {
	for _, inputs := range []string{
		`[{"type": "array", "items": {"type": "string"}, "name": "tags"}]`,
		`[{"type": "object", "properties": {}, "name": "o"}]`,
		`[{"type": "tensor", "tensor-spec": {"dtype": "complex128", "shape": [-1]}}]`,
	} {
		s := Signature{Inputs: inputs}
		if _, err := s.Convert(); !errors.Is(err, flavor.ErrUnsupported) {
			t.Errorf("%s: err = %v, want ErrUnsupported", inputs, err)
		}
	}
}

func TestFromFlavorRoundTrip(t *testing.T) {
	for _, sig := range []flavor.Signature{
		{Task: flavor.TaskOther,
			Inputs:  []flavor.TensorSpec{{Name: "input", DType: flavor.Float32, Shape: []int{-1, 3}}},
			Outputs: []flavor.TensorSpec{{Name: "predictions", DType: flavor.Int64, Shape: []int{-1}}},
			Columns: []flavor.ColumnSpec{{Name: "a", DType: flavor.Float32}, {Name: "b", DType: flavor.Float32}, {Name: "c", DType: flavor.Float32}}},
		{Task: flavor.TaskOther,
			Inputs: []flavor.TensorSpec{{Name: "ids", DType: flavor.Int64, Shape: []int{-1, 16}},
				{Name: "text", DType: flavor.String, Shape: []int{-1}}},
			Outputs: []flavor.TensorSpec{{Name: "output", DType: flavor.Float32, Shape: []int{-1, 3}},
				{Name: "flag", DType: flavor.Bool, Shape: []int{-1}}}},
	} {
		s, err := FromFlavor(sig)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Convert()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sig) {
			t.Errorf("FromFlavor then Convert:\n got %+v\nwant %+v\n(%s)", got, sig, s.Inputs)
		}
	}
	if _, err := FromFlavor(flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "x", DType: flavor.Float32}}}); err == nil {
		t.Error("tensor without shape accepted")
	}
}
