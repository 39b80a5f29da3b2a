package sklearn

import (
	"bytes"
	"encoding/binary"
	"math"
)

// pk writes pickle opcodes by hand, for models no Python library would
// produce: absurd shapes, cycles, wrong types.
type pk struct{ b bytes.Buffer }

func newPickle() *pk {
	p := &pk{}
	p.b.WriteString("\x80\x04")
	return p
}

func (p *pk) op(s string) *pk { p.b.WriteString(s); return p }

func (p *pk) global(module, name string) *pk {
	return p.op("c" + module + "\n" + name + "\n")
}

func (p *pk) str(s string) *pk {
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(s)))
	return p.op("X" + string(n[:]) + s)
}

func (p *pk) raw(b []byte) *pk {
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(b)))
	p.op("B" + string(n[:]))
	p.b.Write(b)
	return p
}

func (p *pk) int(v int) *pk {
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(int32(v)))
	return p.op("J" + string(n[:]))
}

// long pushes an integer wider than 32 bits (LONG1).
func (p *pk) long(v int64) *pk {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(v))
	return p.op("\x8a\x08" + string(n[:]))
}

func (p *pk) float(f float64) *pk {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], math.Float64bits(f))
	return p.op("G" + string(n[:]))
}

func (p *pk) tuple(items ...func(*pk)) *pk {
	p.op("(")
	for _, it := range items {
		it(p)
	}
	return p.op("t")
}

// done ends the pickle with STOP and returns it.
func (p *pk) done() []byte { return p.op(".").b.Bytes() }

// dtype pushes numpy.dtype(spec) in its pickled form.
func (p *pk) dtype(spec string) *pk {
	p.global("numpy", "dtype").tuple(func(p *pk) { p.str(spec).op("\x89\x88") }).op("R")
	return p.tuple(func(p *pk) {
		p.int(3).str("<").op("NNN").int(-1).int(-1).int(0)
	}).op("b")
}

// array pushes a numpy array of dtype spec with the given shape and raw data.
func (p *pk) array(spec string, shape []int64, data []byte) *pk {
	p.global("numpy.core.multiarray", "_reconstruct").tuple(func(p *pk) {
		p.global("numpy", "ndarray").tuple(func(p *pk) { p.int(0) }).raw([]byte("b"))
	}).op("R")
	return p.tuple(func(p *pk) {
		p.int(1).tuple(func(p *pk) {
			for _, d := range shape {
				p.long(d)
			}
		}).dtype(spec).op("\x89").raw(data)
	}).op("b")
}

func (p *pk) f64s(vals ...float64) *pk {
	data := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(v))
	}
	return p.array("f8", []int64{int64(len(vals))}, data)
}

// object pushes an instance of module.name with the given __dict__ items
// (each item function pushes a key and a value).
func (p *pk) object(module, name string, items ...func(*pk)) *pk {
	p.global(module, name).op(")\x81}(")
	for _, it := range items {
		it(p)
	}
	return p.op("ub")
}

// linearRegression pushes a LinearRegression with the given coefficients.
func (p *pk) linearRegression(coef ...float64) *pk {
	return p.object("sklearn.linear_model._base", "LinearRegression",
		func(p *pk) { p.str("coef_").f64s(coef...) },
		func(p *pk) { p.str("intercept_").float(0.5) })
}
