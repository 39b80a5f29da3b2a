package onnx

import (
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestConformanceExternal runs the fixtures re-saved by
// scripts/fixtures/onnx_external_fixtures.py with onnx.save_model(...,
// save_as_external_data=True) — MLflow's default layout, every tensor
// external, Constants external, one file per tensor — through Load: they
// must reproduce PyTorch's outputs like the embedded originals.
func TestConformanceExternal(t *testing.T) {
	for _, dir := range flavortest.Fixtures(t, "onnx_external") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(dir, ModelFile))
			if err != nil {
				t.Fatal(err)
			}
			// The fixture must really keep its tensors outside model.onnx.
			if _, err := Parse(b); !errors.Is(err, flavor.ErrUnsupported) || !strings.Contains(err.Error(), "use Load") {
				t.Fatalf("Parse without the directory: err = %v, want the external data refusal", err)
			}
			flavortest.Run(t, flavortest.Case{
				Dir:  dir,
				Load: func(dir string) (flavor.Model, error) { return Load(dir) },
				Tol:  1e-5,
			})
		})
	}
}

// externalRelu writes reluGraph's weights to dir/w.bin, W at offset 0
// and b at 16, and returns the graph referring to them.
func externalRelu(t *testing.T) (string, *tGraph) {
	t.Helper()
	dir := t.TempDir()
	writeBytes(t, filepath.Join(dir, "w.bin"), append(f32Bytes(1, -1, 2, 0), f32Bytes(0.5, 0)...))
	g := reluGraph()
	g.inits[0] = extTensor(g.inits[0], "location", "w.bin", "offset", "0", "length", "16")
	g.inits[1] = extTensor(g.inits[1], "location", "w.bin", "offset", "16", "length", "8")
	return dir, g
}

// extTensor makes t external with the given key, value pairs.
func extTensor(t tTensor, kv ...string) tTensor {
	t.external = true
	t.ext = nil
	for i := 0; i+1 < len(kv); i += 2 {
		t.ext = append(t.ext, [2]string{kv[i], kv[i+1]})
	}
	return t
}

func f32Bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func writeBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// checkRelu predicts x = [1, 1] with reluGraph's weights: y = [3.5, 0].
func checkRelu(t *testing.T, m *Model) {
	t.Helper()
	x := flavor.Tensor{DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{1, 1}}
	out, err := m.Predict(context.Background(), []flavor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	if !equalF32(out[0].F32, []float32{3.5, 0}) {
		t.Fatalf("y = %v, want [3.5 0]", out[0].F32)
	}
}

// Layouts onnx (or a hand-written tool) may produce all load with the
// right weights.
func TestExternalLayouts(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, dir string, g *tGraph)
	}{
		{"one shared file", func(*testing.T, string, *tGraph) {}},
		{"no offset or length: the whole file", func(t *testing.T, dir string, g *tGraph) {
			writeBytes(t, filepath.Join(dir, "W"), f32Bytes(1, -1, 2, 0))
			writeBytes(t, filepath.Join(dir, "b"), f32Bytes(0.5, 0))
			g.inits[0] = extTensor(g.inits[0], "location", "W")
			g.inits[1] = extTensor(g.inits[1], "location", "b")
		}},
		{"subdirectory", func(t *testing.T, dir string, g *tGraph) {
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
			os.Rename(filepath.Join(dir, "w.bin"), filepath.Join(dir, "sub", "w.bin"))
			g.inits[0].ext[0][1] = "sub/w.bin"
			g.inits[1].ext[0][1] = "./sub/w.bin"
		}},
		{"link inside the directory", func(t *testing.T, dir string, g *tGraph) {
			os.Mkdir(filepath.Join(dir, "store"), 0o755)
			os.Rename(filepath.Join(dir, "w.bin"), filepath.Join(dir, "store", "real.bin"))
			mustSymlink(t, "store/real.bin", filepath.Join(dir, "w.bin"))
		}},
		{"two tensors share a range", func(t *testing.T, dir string, g *tGraph) {
			// 16+16+8 bytes from a 24-byte file: loads only if the
			// identical ranges share their bytes.
			w2 := g.inits[0]
			w2.name = "W2"
			g.inits = append(g.inits, w2)
		}},
		{"Constant value external", func(t *testing.T, dir string, g *tGraph) {
			b := g.inits[1]
			b.name = ""
			g.inits = g.inits[:1]
			g.nodes = append([]tNode{{op: "Constant", name: "c", out: []string{"b"},
				attrs: []tAttr{{name: "value", typ: attrTensor, t: &b}}}}, g.nodes...)
		}},
		{"basepath and checksum ignored", func(t *testing.T, dir string, g *tGraph) {
			g.inits[0].ext = append(g.inits[0].ext, [2]string{"basepath", "/etc"}, [2]string{"checksum", "0000"})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, g := externalRelu(t)
			c.change(t, dir, g)
			m, err := ParseWithDir(modelBytes(13, g), dir)
			if err != nil {
				t.Fatal(err)
			}
			checkRelu(t, m)
		})
	}
}

// Load finds the data beside model.onnx.
func TestExternalLoad(t *testing.T) {
	dir, g := externalRelu(t)
	writeBytes(t, filepath.Join(dir, ModelFile), modelBytes(13, g))
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkRelu(t, m)
}

// Hostile or broken external data is refused before anything outside the
// model directory is read and before absurd sizes are allocated.
func TestExternalErrors(t *testing.T) {
	outside := t.TempDir()
	writeBytes(t, filepath.Join(outside, "w.bin"), append(f32Bytes(1, -1, 2, 0), f32Bytes(0.5, 0)...))
	setLoc := func(loc string) func(*testing.T, string, *tGraph) {
		return func(_ *testing.T, _ string, g *tGraph) { g.inits[0].ext[0][1] = loc }
	}
	setW := func(kv ...string) func(*testing.T, string, *tGraph) {
		return func(_ *testing.T, _ string, g *tGraph) { g.inits[0] = extTensor(g.inits[0], kv...) }
	}
	cases := []struct {
		name   string
		change func(t *testing.T, dir string, g *tGraph)
		want   error
		msg    string
	}{
		{"parent directory", setLoc("../w.bin"), flavor.ErrCorrupt, `"../w.bin" leaves the model directory`},
		{"parent inside a path", setLoc("sub/../../w.bin"), flavor.ErrCorrupt, "leaves the model directory"},
		{"backslash parent", setLoc(`..\w.bin`), flavor.ErrCorrupt, "leaves the model directory"},
		{"absolute path", setLoc(filepath.Join(outside, "w.bin")), flavor.ErrCorrupt, "leaves the model directory"},
		{"link out of the directory", func(t *testing.T, dir string, g *tGraph) {
			os.Remove(filepath.Join(dir, "w.bin"))
			mustSymlink(t, filepath.Join(outside, "w.bin"), filepath.Join(dir, "w.bin"))
		}, flavor.ErrCorrupt, "escapes"},
		{"linked directory out of the directory", func(t *testing.T, dir string, g *tGraph) {
			mustSymlink(t, outside, filepath.Join(dir, "sub"))
			g.inits[0].ext[0][1] = "sub/w.bin"
		}, flavor.ErrCorrupt, "escapes"},
		{"missing file", setLoc("gone.bin"), flavor.ErrCorrupt, `"gone.bin"`},
		{"directory", func(t *testing.T, dir string, g *tGraph) {
			os.Mkdir(filepath.Join(dir, "d"), 0o755)
			g.inits[0].ext[0][1] = "d"
		}, flavor.ErrCorrupt, "not a regular file"},
		{"no location", setW("offset", "0", "length", "16"), flavor.ErrCorrupt, "no location"},
		{"past the end", setW("location", "w.bin", "offset", "16", "length", "16"), flavor.ErrCorrupt, "past the end"},
		{"offset past the end", setW("location", "w.bin", "offset", strconv.FormatInt(math.MaxInt64, 10), "length", "16"), flavor.ErrCorrupt, "past the end"},
		{"length does not match dims", setW("location", "w.bin", "offset", "0", "length", "12"), flavor.ErrCorrupt, "needs 16"},
		{"absurd length", setW("location", "w.bin", "offset", "0", "length", "1099511627776"), flavor.ErrCorrupt, "needs 16"},
		{"rest of the file does not match dims", setW("location", "w.bin", "offset", "4"), flavor.ErrCorrupt, "to the end"},
		{"negative offset", setW("location", "w.bin", "offset", "-4", "length", "16"), flavor.ErrCorrupt, "not a byte count"},
		{"offset not a number", setW("location", "w.bin", "offset", "0x10", "length", "16"), flavor.ErrCorrupt, "not a byte count"},
		{"absurd dims", func(_ *testing.T, _ string, g *tGraph) {
			g.inits[0].dims = []int64{1 << 40, 1 << 40}
		}, flavor.ErrCorrupt, "invalid dimension"},
		{"overlapping ranges", func(_ *testing.T, _ string, g *tGraph) {
			g.inits = append(g.inits, extTensor(floatInit("W2", []int64{2, 2}), "location", "w.bin", "offset", "4", "length", "16"))
		}, flavor.ErrCorrupt, "overlap"},
		{"unsupported element type", func(_ *testing.T, _ string, g *tGraph) {
			g.inits[0].dt = typeDouble
			g.inits[0].ext[2][1] = "32"
		}, flavor.ErrUnsupported, "element type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, g := externalRelu(t)
			c.change(t, dir, g)
			_, err := ParseWithDir(modelBytes(13, g), dir)
			t.Log(err)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v mentioning %q", err, c.want, c.msg)
			}
		})
	}
}

// A missing data file stays recognisable as such for callers.
func TestExternalMissingFileWrapsNotExist(t *testing.T) {
	dir, g := externalRelu(t)
	os.Remove(filepath.Join(dir, "w.bin"))
	if _, err := ParseWithDir(modelBytes(13, g), dir); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, flavor.ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt and fs.ErrNotExist", err)
	}
}

// data_location decides whether a tensor is external, as in onnx:
// entries on a DEFAULT tensor are ignored, unknown locations refused.
func TestDataLocation(t *testing.T) {
	entry := appendString(appendString(nil, 1, "location"), 2, "w.bin")
	base := floatInit("W", []int64{1}, 7).bytes()
	withEntry := protowire.AppendBytes(protowire.AppendTag(base, 13, protowire.BytesType), entry)
	p, err := decodeTensor(withEntry)
	if err != nil || p.external || p.ext.location != "w.bin" {
		t.Fatalf("DEFAULT tensor with entries: external %v, location %q, err %v", p.external, p.ext.location, err)
	}
	if tt, err := p.toTensor(); err != nil || tt.f32[0] != 7 {
		t.Fatalf("DEFAULT tensor with entries converts to %v, %v; want its raw_data", tt, err)
	}
	bad := protowire.AppendVarint(protowire.AppendTag(base, 14, protowire.VarintType), 2)
	if _, err := decodeTensor(bad); !errors.Is(err, flavor.ErrCorrupt) || !strings.Contains(err.Error(), "data_location 2") {
		t.Fatalf("data_location 2: err = %v", err)
	}
}
