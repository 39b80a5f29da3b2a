package sklearn

import (
	"fmt"

	"github.com/nlpodyssey/gopickle/types"

	"github.com/paddockml/paddock/flavor"
)

// joblib.dump does not pickle numpy arrays: it pickles a NumpyArrayWrapper
// (shape, order, dtype) and writes the array's bytes straight after the
// wrapper's BUILD opcode, outside any pickle frame; object arrays follow
// as an inner protocol-2 pickle. joblib's unpickler reads them when it
// sees the BUILD, and so does joblibArray.PySetState, from the same guarded
// reader gopickle is reading.

type joblibWrapperClass struct{ g *guardReader }

// PyNew implements types.PyNewable.
func (c joblibWrapperClass) PyNew(...any) (any, error) { return &joblibArray{g: c.g}, nil }

// joblibArray is a NumpyArrayWrapper; after BUILD it holds the array.
type joblibArray struct {
	g   *guardReader
	arr *ndarray
}

// PySetState implements types.PyStateSettable: it reads the wrapper's
// fields, then the array data that follows in the stream.
func (w *joblibArray) PySetState(state any) error {
	if w.arr != nil {
		return fmt.Errorf("%w: NumpyArrayWrapper built twice", flavor.ErrCorrupt)
	}
	d, ok := state.(*types.Dict)
	if !ok {
		return fmt.Errorf("%w: NumpyArrayWrapper state is %s", flavor.ErrCorrupt, typeName(state))
	}
	fields := map[string]any{}
	for _, e := range *d {
		if k, ok := e.Key.(string); ok {
			fields[k] = e.Value
		}
	}
	if _, ok := fields["subclass"].(ndarrayClass); !ok {
		return fmt.Errorf("%w: joblib array subclass %s", flavor.ErrUnsupported, typeName(fields["subclass"]))
	}
	dt, ok := fields["dtype"].(*dtype)
	if !ok {
		return fmt.Errorf("%w: joblib array dtype is %s", flavor.ErrCorrupt, typeName(fields["dtype"]))
	}
	shape, err := shapeOf(fields["shape"])
	if err != nil {
		return err
	}
	order, _ := fields["order"].(string)
	if dt.kind == 'O' {
		return w.readObjects(shape)
	}
	return w.readData(dt, shape, order == "F", fields["numpy_array_alignment_bytes"])
}

// readData reads the raw bytes of a numeric or structured array.
func (w *joblibArray) readData(dt *dtype, shape []int, fortran bool, align any) error {
	if align != nil {
		pad, err := w.g.readRaw(1)
		if err != nil {
			return fmt.Errorf("%w: %v", flavor.ErrCorrupt, err)
		}
		if _, err := w.g.readRaw(int(pad[0])); err != nil {
			return fmt.Errorf("%w: %v", flavor.ErrCorrupt, err)
		}
	}
	count, err := shapeProduct(shape)
	if err != nil {
		return err
	}
	if dt.size == 0 || count > (len(w.g.data)-w.g.pos)/dt.size {
		return fmt.Errorf("%w: joblib array of shape %v runs past the end of the file", flavor.ErrCorrupt, shape)
	}
	raw, err := w.g.readRaw(count * dt.size)
	if err != nil {
		return fmt.Errorf("%w: %v", flavor.ErrCorrupt, err)
	}
	a := &ndarray{g: w.g}
	if err := a.fill(dt, toTuple(shape), fortran, raw); err != nil {
		return err
	}
	w.arr = a
	return nil
}

// readObjects reads the inner pickle joblib writes for an object array.
func (w *joblibArray) readObjects(shape []int) error {
	w.g.next = w.g.pos
	v, err := w.g.load()
	if err != nil {
		return err
	}
	a, ok := v.(*ndarray)
	if !ok || !a.filled || a.dt.kind != 'O' {
		return fmt.Errorf("%w: joblib object array holds %s", flavor.ErrCorrupt, typeName(v))
	}
	want, err := shapeProduct(shape)
	if err != nil || want != a.size() {
		return fmt.Errorf("%w: joblib object array shape %v does not match its %d items", flavor.ErrCorrupt, shape, a.size())
	}
	w.arr = a
	return nil
}

func toTuple(shape []int) *types.Tuple {
	items := make([]any, len(shape))
	for i, d := range shape {
		items[i] = d
	}
	return types.NewTupleFromSlice(items)
}
