package modeldir

import (
	"fmt"
	"slices"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

// applyDescriptor checks the predict_fn against the model's outputs and
// sets Signature from the descriptor's signature and the model's own.
func (l *Loaded) applyDescriptor() error {
	own := l.Model.Signature()
	l.Signature = own
	if l.PredictFn == PredictFnProba && len(own.Outputs) > 0 && !hasOutput(own, flavor.OutputProbabilities) {
		return fmt.Errorf("%w: predict_fn predict_proba, but the model has no %s output",
			flavor.ErrUnsupported, flavor.OutputProbabilities)
	}
	s := l.Descriptor.Signature
	if s == nil || s.Inputs == "" {
		return nil
	}
	specs, err := s.InputSchema()
	if err != nil {
		return err
	}
	declared, err := s.Convert()
	if err != nil {
		return fmt.Errorf("%s: %w", mlmodel.FileName, err)
	}
	if l.Signature, err = mergeSignature(own, declared, specs); err != nil {
		return fmt.Errorf("%w: MLmodel signature does not fit the model: %w", flavor.ErrCorrupt, err)
	}
	return nil
}

func hasOutput(sig flavor.Signature, name string) bool {
	return slices.ContainsFunc(sig.Outputs, func(t flavor.TensorSpec) bool { return t.Name == name })
}

// mergeSignature combines the declared signature (converted from specs)
// with the model's own: the declared input names and columns, and the
// model's input dtypes, outputs, task and classes. A model that declares
// no inputs or outputs (a Python model without a signature of its own)
// takes the declared ones.
func mergeSignature(own, declared flavor.Signature, specs []mlmodel.Spec) (flavor.Signature, error) {
	sig := own
	if declared.Columns != nil {
		sig.Columns = declared.Columns
	}
	if len(own.Outputs) == 0 {
		sig.Outputs = declared.Outputs
	}
	if len(own.Inputs) == 0 {
		sig.Inputs = declared.Inputs
		return sig, nil
	}
	var err error
	if specs[0].Type != mlmodel.TensorType {
		sig.Inputs, err = mergeColumns(own.Inputs, declared, specs)
	} else {
		sig.Inputs, err = mergeTensors(own.Inputs, declared.Inputs)
	}
	return sig, err
}

// mergeColumns fits a column schema to a model that takes either one
// [batch, columns] tensor or one tensor per column. MLflow's column types
// follow the training DataFrame (long next to double), so only the kind
// of each column, string or numeric, has to agree with the model.
func mergeColumns(own []flavor.TensorSpec, declared flavor.Signature, specs []mlmodel.Spec) ([]flavor.TensorSpec, error) {
	n := len(specs)
	colTypes := make([]flavor.DType, n)
	for i, s := range specs {
		colTypes[i], _ = mlmodel.ColumnDType(s.Type) // Convert checked them
	}
	if len(own) == 1 && len(own[0].Shape) == 2 {
		in := own[0]
		if w := width(in.Shape); w >= 0 && w != n {
			return nil, fmt.Errorf("%d columns declared, the model takes %d", n, w)
		}
		for i, dt := range colTypes {
			if !sameKind(dt, in.DType) {
				return nil, fmt.Errorf("column %s is %s, the model takes %s", colName(specs, i), dt, in.DType)
			}
		}
		return own, nil
	}
	if len(own) != n {
		return nil, fmt.Errorf("%d columns declared, the model takes %d inputs", n, len(own))
	}
	out := slices.Clone(own)
	for i, dt := range colTypes {
		if !sameKind(dt, own[i].DType) {
			return nil, fmt.Errorf("column %s is %s, the model takes %s", colName(specs, i), dt, own[i].DType)
		}
		if specs[i].Name != "" {
			out[i].Name = specs[i].Name
		}
	}
	return out, nil
}

// mergeTensors fits a tensor schema, input by input: same count, agreeing
// fixed dimensions and kinds. The declared names win, the model's dtype
// stays, and a dimension either side fixes is fixed.
func mergeTensors(own, declared []flavor.TensorSpec) ([]flavor.TensorSpec, error) {
	if len(own) != len(declared) {
		return nil, fmt.Errorf("%d input tensors declared, the model takes %d", len(declared), len(own))
	}
	out := make([]flavor.TensorSpec, len(own))
	for i, d := range declared {
		o := own[i]
		if !sameKind(d.DType, o.DType) {
			return nil, fmt.Errorf("input %q is %s, the model takes %s", d.Name, d.DType, o.DType)
		}
		shape, ok := mergeShape(d.Shape, o.Shape)
		if !ok {
			return nil, fmt.Errorf("input %q has shape %v, the model takes %v", d.Name, d.Shape, o.Shape)
		}
		out[i] = flavor.TensorSpec{Name: d.Name, DType: o.DType, Shape: shape}
	}
	return out, nil
}

// mergeShape combines two shapes of the same tensor; nil is unknown.
func mergeShape(a, b []int) ([]int, bool) {
	switch {
	case a == nil:
		return slices.Clone(b), true
	case b == nil:
		return slices.Clone(a), true
	case len(a) != len(b):
		return nil, false
	}
	out := slices.Clone(b)
	for i, d := range a {
		switch {
		case out[i] == -1:
			out[i] = d
		case d != -1 && d != out[i]:
			return nil, false
		}
	}
	return out, true
}

// width is the column count of a [batch, columns] shape; -1 if unknown.
func width(shape []int) int {
	if len(shape) != 2 {
		return -1
	}
	return shape[1]
}

// sameKind reports whether two dtypes are both strings or both numbers
// (booleans count as numbers: the tabular flavors take them as 0 and 1).
func sameKind(a, b flavor.DType) bool {
	return (a == flavor.String) == (b == flavor.String)
}

func colName(specs []mlmodel.Spec, i int) string {
	if specs[i].Name != "" {
		return fmt.Sprintf("%q", specs[i].Name)
	}
	return fmt.Sprint(i)
}
