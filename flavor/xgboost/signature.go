package xgboost

import (
	"strconv"

	"github.com/paddockml/paddock/flavor"
)

// InputName is the name of the model's single input tensor.
const InputName = "input"

// setSignature builds the model's signature once at load.
func (m *Model) setSignature(names, types []string) error {
	if len(names) != 0 && len(names) != m.numFeature {
		return corrupt("%d feature_names for num_feature %d", len(names), m.numFeature)
	}
	if len(types) != 0 && len(types) != m.numFeature {
		return corrupt("%d feature_types for num_feature %d", len(types), m.numFeature)
	}
	cols := make([]flavor.ColumnSpec, m.numFeature)
	for i := range cols {
		// Every feature type, categorical codes included, arrives as a
		// number; XGBoost reads them all as float32.
		cols[i] = flavor.ColumnSpec{Name: "f" + strconv.Itoa(i), DType: flavor.Float64}
		if len(names) != 0 {
			cols[i].Name = names[i]
		}
	}
	m.sig = flavor.Signature{
		Task:    m.obj.task,
		Inputs:  []flavor.TensorSpec{{Name: InputName, DType: flavor.Float64, Shape: []int{-1, m.numFeature}}},
		Outputs: []flavor.TensorSpec{{Name: flavor.OutputPredictions, DType: flavor.Float64, Shape: m.predShape(-1)}},
		Columns: cols,
	}
	if k := m.numClasses(); k > 0 {
		m.sig.Outputs = append(m.sig.Outputs, flavor.TensorSpec{
			Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{-1, k},
		})
		m.sig.Classes = make([]string, k)
		for i := range m.sig.Classes {
			m.sig.Classes[i] = strconv.Itoa(i)
		}
	}
	return nil
}

// predShape is Booster.predict's output shape for n rows: [n] for one
// value per row, [n, width] otherwise.
func (m *Model) predShape(n int) []int {
	if m.width == 1 {
		return []int{n}
	}
	return []int{n, m.width}
}

// numClasses returns the width of the probabilities output, or 0 when the
// model emits none (regression, ranking, multi-label binary models).
func (m *Model) numClasses() int {
	switch {
	case m.obj.multiclass():
		return m.numGroup
	case m.obj.binary() && m.numGroup == 1:
		return 2
	}
	return 0
}
