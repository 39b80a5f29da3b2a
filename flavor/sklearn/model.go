package sklearn

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/flavor"
)

// MaxModelBytes is the largest model.pkl (after decompression) Load and
// Parse accept: 512 MiB.
const MaxModelBytes = 512 << 20

// Model is a scikit-learn estimator or pipeline rebuilt from its pickle.
// It is read-only after loading and safe for concurrent use.
type Model struct {
	sig     flavor.Signature
	pre     *chain
	final   any // classifier or regressor
	kinds   []colKind
	tabular bool // one [batch, n] float input; otherwise one tensor per column
}

var _ flavor.Model = (*Model)(nil)

// Load reads dir/model.pkl, as written by pickle.dump, joblib.dump or
// MLflow's sklearn flavor.
func Load(dir string) (*Model, error) {
	f, err := os.Open(filepath.Join(dir, "model.pkl"))
	if err != nil {
		return nil, fmt.Errorf("load sklearn model: %w", err)
	}
	defer f.Close()
	m, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("load sklearn model %s: %w", dir, err)
	}
	return m, nil
}

// Parse reads a pickled scikit-learn model from r with the restricted
// unpickler and rebuilds it. Files joblib compressed with zlib or gzip are
// decompressed first.
func Parse(r io.Reader) (*Model, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, err
	}
	if data, err = decompress(data); err != nil {
		return nil, err
	}
	root, err := unpickle(data)
	if err != nil {
		return nil, err
	}
	return newModel(root)
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if len(data) > MaxModelBytes {
		return nil, fmt.Errorf("%w: model is larger than %d MiB", flavor.ErrUnsupported, MaxModelBytes>>20)
	}
	return data, nil
}

// decompress undoes joblib's compress= option for zlib and gzip.
func decompress(data []byte) ([]byte, error) {
	var zr io.ReadCloser
	var err error
	switch {
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		zr, err = gzip.NewReader(bytes.NewReader(data))
	case len(data) >= 2 && data[0] == 0x78 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0:
		zr, err = zlib.NewReader(bytes.NewReader(data))
	default:
		return data, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: compressed model: %v", flavor.ErrCorrupt, err)
	}
	defer zr.Close()
	out, err := readLimited(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: compressed model: %v", flavor.ErrCorrupt, err)
	}
	return out, nil
}

// newModel rebuilds the estimator tree and derives the signature.
func newModel(root any) (*Model, error) {
	o, ok := root.(*pyObject)
	if !ok {
		return nil, fmt.Errorf("%w: the pickle holds %s, not an estimator", flavor.ErrUnsupported, typeName(root))
	}
	est, err := newBuilder().build(o)
	if err != nil {
		return nil, err
	}
	m := &Model{pre: &chain{}}
	switch e := est.(type) {
	case *pipelineModel:
		m.pre, m.final = e.pre, e.final
	case classifier, regressor:
		m.final = e
	default:
		return nil, fmt.Errorf("%w: %s transforms but does not predict", flavor.ErrUnsupported, o.class)
	}
	if err := m.setSignature(o); err != nil {
		return nil, err
	}
	return m, nil
}

// Signature describes the model's inputs and outputs.
func (m *Model) Signature() flavor.Signature { return m.sig }

// Close releases nothing: the model is plain memory.
func (m *Model) Close() error { return nil }

// Predict runs the pipeline on a batch. Classifiers return predictions
// (class labels) and probabilities; regressors return predictions.
func (m *Model) Predict(ctx context.Context, inputs []flavor.Tensor) ([]flavor.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := m.frameOf(inputs)
	if err != nil {
		return nil, err
	}
	if f, err = m.pre.transform(f); err != nil {
		return nil, err
	}
	switch e := m.final.(type) {
	case classifier:
		return predictClassifier(e, f)
	case regressor:
		return predictRegressor(e, f)
	}
	return nil, fmt.Errorf("%w: model has no final estimator", flavor.ErrUnsupported)
}

func predictClassifier(c classifier, f *frame) ([]flavor.Tensor, error) {
	nc := c.labels().n()
	proba, pred := make([]float64, f.rows*nc), make([]int, f.rows)
	if err := c.predictProba(f, proba, pred); err != nil {
		return nil, err
	}
	return []flavor.Tensor{
		c.labels().tensor(pred),
		{Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{f.rows, nc}, F64: proba},
	}, nil
}

func predictRegressor(r regressor, f *frame) ([]flavor.Tensor, error) {
	k, oneD := r.targets()
	out := make([]float64, f.rows*k)
	if err := r.predictValues(f, out); err != nil {
		return nil, err
	}
	shape := []int{f.rows, k}
	if oneD {
		shape = []int{f.rows}
	}
	return []flavor.Tensor{{Name: flavor.OutputPredictions, DType: flavor.Float64, Shape: shape, F64: out}}, nil
}
