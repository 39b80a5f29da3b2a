package onnx

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/flavor"
)

// External data: onnx.save_model(save_as_external_data=True), MLflow's
// default for mlflow.onnx, moves every tensor of 1 KiB or more into a
// file beside model.onnx and leaves in the TensorProto only its location,
// offset and length. resolveExternal reads those bytes into raw, after
// which such a tensor converts like one with embedded raw_data.

// MaxExternalDataSize bounds the bytes of tensor data a model may keep
// in external files: the engine holds every weight in memory.
const MaxExternalDataSize = 4 << 30

// externalRead is one external tensor waiting for its bytes.
type externalRead struct {
	p         *tensorProto
	offset    int64
	size      int64 // dims × element size, the only length accepted
	hasLength bool  // without a length the data runs to the end of the file
}

// resolveExternal reads the data of every external tensor of g (its
// initializers, attribute tensors and subgraphs) from files inside dir.
// Each file is opened once and its tensors read in offset order; all
// sizes are checked before the bytes are allocated.
func resolveExternal(g *graphProto, dir string) error {
	ps := externalTensors(g, nil)
	if len(ps) == 0 {
		return nil
	}
	if dir == "" {
		return unsupportedf("tensor %q keeps its data in an external file, and external data needs the model's directory: use Load", ps[0].name)
	}
	byFile := map[string][]externalRead{}
	for _, p := range ps {
		r, err := planExternalRead(p)
		if err != nil {
			return err
		}
		// Clean, so that "./w.bin" and "w.bin" share one open file.
		loc := filepath.Clean(p.ext.location)
		byFile[loc] = append(byFile[loc], r)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("onnx: external data: %w", err)
	}
	defer root.Close()
	budget := int64(MaxExternalDataSize)
	for _, loc := range slices.Sorted(maps.Keys(byFile)) {
		if err := readExternalFile(root, loc, byFile[loc], &budget); err != nil {
			return err
		}
	}
	return nil
}

// externalTensors appends the external tensors of g and of the graphs
// nested in its nodes' attributes, where onnx's convert_attribute puts
// Constant values.
func externalTensors(g *graphProto, into []*tensorProto) []*tensorProto {
	add := func(p *tensorProto) {
		if p != nil && p.external {
			into = append(into, p)
		}
	}
	for _, p := range g.initializers {
		add(p)
	}
	for _, n := range g.nodes {
		for _, a := range n.attrs {
			add(a.t)
			for _, p := range a.tensors {
				add(p)
			}
			if a.g != nil {
				into = externalTensors(a.g, into)
			}
		}
	}
	return into
}

// planExternalRead checks what can be checked without the file: the
// location stays inside the model directory, and the shape and element
// type give the byte length the entries must agree with.
func planExternalRead(p *tensorProto) (externalRead, error) {
	if err := checkLocation(p.name, p.ext.location); err != nil {
		return externalRead{}, err
	}
	if p.dataType.store() == storeNone {
		return externalRead{}, unsupportedf("tensor %q has element type %v", p.name, p.dataType)
	}
	_, n, err := p.shape()
	if err != nil {
		return externalRead{}, err
	}
	r := externalRead{p: p, size: int64(n) * int64(elemSize(p.dataType)), hasLength: p.ext.length != ""}
	if r.offset, err = p.byteCount("offset", p.ext.offset); err != nil {
		return externalRead{}, err
	}
	length, err := p.byteCount("length", p.ext.length)
	if err != nil {
		return externalRead{}, err
	}
	if r.hasLength && length != r.size {
		return externalRead{}, corruptf("tensor %q: external data length is %d bytes, shape %v of %v needs %d",
			p.name, length, p.dims, p.dataType, r.size)
	}
	return r, nil
}

// byteCount parses the decimal offset or length of external_data; an
// absent one is 0.
func (p *tensorProto) byteCount(key, value string) (int64, error) {
	if value == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(value, 10, 64)
	if err != nil || v < 0 {
		return 0, corruptf("tensor %q: external data %s %q is not a byte count", p.name, key, value)
	}
	return v, nil
}

// checkLocation refuses locations that could name a file outside the
// model directory. os.Root also refuses them, and links that resolve
// outside, but a clear message about the model beats a path error.
func checkLocation(name, loc string) error {
	if loc == "" {
		return corruptf("tensor %q is external but its external_data has no location", name)
	}
	leaves := strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`) || filepath.IsAbs(loc) ||
		strings.ContainsRune(loc, 0)
	for _, seg := range strings.FieldsFunc(loc, func(r rune) bool { return r == '/' || r == '\\' }) {
		leaves = leaves || seg == ".."
	}
	if leaves {
		return corruptf("tensor %q: external data location %q leaves the model directory", name, loc)
	}
	return nil
}

// readExternalFile reads the tensors stored in one file. Tensors whose
// ranges coincide share their bytes; otherwise the bytes allocated may
// not exceed the file's size, so overlapping ranges cannot multiply a
// small file into a huge allocation.
func readExternalFile(root *os.Root, loc string, reads []externalRead, budget *int64) error {
	f, fileSize, err := openExternal(root, loc)
	if err != nil {
		return err
	}
	defer f.Close()
	slices.SortStableFunc(reads, func(a, b externalRead) int {
		return cmp.Or(cmp.Compare(a.offset, b.offset), cmp.Compare(a.size, b.size))
	})
	allocated := int64(0)
	var prev *externalRead
	for i := range reads {
		r := &reads[i]
		if err := r.checkRange(loc, fileSize); err != nil {
			return err
		}
		if prev != nil && prev.offset == r.offset && prev.size == r.size {
			r.p.raw = prev.p.raw
		} else {
			if r.p.raw, err = r.read(f, loc, fileSize-allocated, budget); err != nil {
				return err
			}
			allocated += r.size
		}
		r.p.hasRaw, r.p.external = true, false
		prev = r
	}
	return nil
}

// checkRange checks that the tensor's bytes lie inside the file.
func (r *externalRead) checkRange(loc string, fileSize int64) error {
	off := r.offset
	if off > fileSize || r.size > fileSize-off {
		return corruptf("tensor %q: external data of %d bytes at offset %d lies past the end of %q (%d bytes)",
			r.p.name, r.size, off, loc, fileSize)
	}
	if !r.hasLength && fileSize-off != r.size {
		// Without a length the tensor runs to the end of the file.
		return corruptf("tensor %q: external data from offset %d to the end of %q is %d bytes, shape %v of %v needs %d",
			r.p.name, off, loc, fileSize-off, r.p.dims, r.p.dataType, r.size)
	}
	return nil
}

// read allocates and reads the tensor's bytes, within what the file has
// left to give and the model-wide budget.
func (r *externalRead) read(f *os.File, loc string, fileLeft int64, budget *int64) ([]byte, error) {
	if r.size > fileLeft {
		return nil, corruptf("tensor %q: external data ranges in %q overlap", r.p.name, loc)
	}
	if r.size > *budget {
		return nil, unsupportedf("external data is over the %d byte limit", int64(MaxExternalDataSize))
	}
	*budget -= r.size
	b := make([]byte, r.size)
	if _, err := f.ReadAt(b, r.offset); err != nil {
		return nil, fmt.Errorf("%w: onnx: tensor %q: read external data %q: %w", flavor.ErrCorrupt, r.p.name, loc, err)
	}
	return b, nil
}

// openExternal opens a data file inside root and returns its size. It
// checks the file is a regular one before opening it, so a FIFO cannot
// block the load.
func openExternal(root *os.Root, loc string) (*os.File, int64, error) {
	name := filepath.FromSlash(loc)
	fail := func(err error) (*os.File, int64, error) {
		return nil, 0, fmt.Errorf("%w: onnx: external data file %q: %w", flavor.ErrCorrupt, loc, err)
	}
	if st, err := root.Stat(name); err != nil {
		return fail(err)
	} else if !st.Mode().IsRegular() {
		return nil, 0, corruptf("external data file %q is not a regular file", loc)
	}
	f, err := root.Open(name)
	if err != nil {
		return fail(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fail(err)
	}
	return f, st.Size(), nil
}
