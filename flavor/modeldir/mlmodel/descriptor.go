// Package mlmodel reads and writes MLflow's MLmodel file, the YAML
// descriptor at the root of every MLflow model directory, and converts the
// signature it declares into a flavor.Signature.
//
// It is a leaf shared by the packages that load model directories
// (modeldir, which picks a flavor, and pyworker, which runs
// python_function models): it parses and validates, but opens no model.
// Descriptors are written the way MLflow 2.x writes them (keys sorted,
// block style, signature schemas as JSON strings), so that an MLflow
// client can load a model directory Paddock wrote.
package mlmodel

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/paddockml/paddock/flavor"
)

// FileName is the descriptor's name inside a model directory.
const FileName = "MLmodel"

// MaxFileBytes bounds the descriptor Read and Parse accept (1 MiB):
// MLmodel files are a few kilobytes, and the limit keeps a hostile one
// from exhausting memory.
const MaxFileBytes = 1 << 20

// Descriptor is a parsed MLmodel file. Field names follow MLflow's keys.
type Descriptor struct {
	// ArtifactPath is the run-relative path the model was logged under.
	ArtifactPath string `yaml:"artifact_path,omitempty"`
	// Flavors maps each flavor name (sklearn, xgboost, onnx,
	// python_function, ...) to its configuration.
	Flavors map[string]map[string]any `yaml:"flavors"`
	// Metadata is free-form user metadata; Paddock's own keys live under
	// metadata.paddock (see Paddock).
	Metadata map[string]any `yaml:"metadata,omitempty"`
	// MLflowVersion is the version of MLflow that wrote the file.
	MLflowVersion string `yaml:"mlflow_version,omitempty"`
	// ModelSizeBytes is the model directory's size when it was saved.
	ModelSizeBytes int64 `yaml:"model_size_bytes,omitempty"`
	// ModelUUID identifies the saved model.
	ModelUUID string `yaml:"model_uuid,omitempty"`
	// RunID is the run that logged the model.
	RunID string `yaml:"run_id,omitempty"`
	// InputExample describes the saved input example, if any.
	InputExample *InputExample `yaml:"saved_input_example_info,omitempty"`
	// Signature holds the input, output and parameter schemas.
	Signature *Signature `yaml:"signature,omitempty"`
	// UTCTimeCreated is when the model was saved, as MLflow formats it
	// ("2024-05-01 12:00:00.123456").
	UTCTimeCreated string `yaml:"utc_time_created,omitempty"`
	// Extra keeps the keys this type does not name (databricks_runtime,
	// resources, env_vars, ...) so that reading and writing a descriptor
	// loses nothing.
	Extra map[string]any `yaml:",inline"`

	// nodes holds each flavor's YAML as parsed, so that DecodeFlavor
	// reports errors with the line in the file.
	nodes map[string]*yaml.Node
}

// InputExample is MLflow's saved_input_example_info: where the example
// is stored and how it is encoded.
type InputExample struct {
	// ArtifactPath is the example's file, relative to the model directory.
	ArtifactPath string `yaml:"artifact_path"`
	// Type is "dataframe", "ndarray" or "json_object".
	Type string `yaml:"type"`
	// PandasOrient is the DataFrame layout of a dataframe example ("split").
	PandasOrient string `yaml:"pandas_orient,omitempty"`
	// Format is the layout of an ndarray example ("tf-serving").
	Format string `yaml:"format,omitempty"`
	// ServingInputPath is the serving payload example (MLflow 2.17+).
	ServingInputPath string `yaml:"serving_input_path,omitempty"`
	// Extra keeps keys this type does not name.
	Extra map[string]any `yaml:",inline"`
}

// Paddock holds Paddock's own fields, stored under metadata.paddock
// where MLflow ignores them.
type Paddock struct {
	// Flavor names the flavor Paddock loads when the descriptor lists
	// several it can serve.
	Flavor string `yaml:"flavor,omitempty"`
}

// Read reads and parses dir/MLmodel. A missing file is an error wrapping
// fs.ErrNotExist. The file is opened through an os.Root, so an MLmodel
// that links outside dir is refused rather than read (and perhaps quoted
// in an error message).
func Read(dir string) (*Descriptor, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(FileName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", FileName, err)
	}
	return Parse(b)
}

// Parse decodes an MLmodel file and validates what Paddock relies on:
// the document is a mapping, every flavor's configuration is a mapping,
// and the signature's schemas are well-formed JSON. A malformed file is an
// error wrapping flavor.ErrCorrupt that names the line.
func Parse(b []byte) (*Descriptor, error) {
	if len(b) > MaxFileBytes {
		return nil, corrupt("file is over %d bytes", MaxFileBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, corrupt("%v", err)
	}
	if len(doc.Content) == 0 {
		return nil, corrupt("empty file")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, corrupt("line %d: not a mapping of keys", root.Line)
	}
	d := new(Descriptor)
	if err := root.Decode(d); err != nil {
		return nil, corrupt("%v", err)
	}
	if len(d.Flavors) == 0 {
		return nil, corrupt("no flavors")
	}
	d.nodes = flavorNodes(root)
	if err := d.validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// flavorNodes finds each flavor's configuration node under the root.
func flavorNodes(root *yaml.Node) map[string]*yaml.Node {
	nodes := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "flavors" || root.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		fl := root.Content[i+1].Content
		for j := 0; j+1 < len(fl); j += 2 {
			nodes[fl[j].Value] = fl[j+1]
		}
	}
	return nodes
}

// validate checks the parts of a decoded descriptor Paddock relies on.
func (d *Descriptor) validate() error {
	if d.InputExample != nil && d.InputExample.ArtifactPath != "" {
		if err := CheckPath(d.InputExample.ArtifactPath); err != nil {
			return corrupt("saved_input_example_info: %v", err)
		}
	}
	if _, err := d.Paddock(); err != nil {
		return err
	}
	if d.Signature == nil {
		return nil
	}
	return d.Signature.validate()
}

// DecodeFlavor decodes the configuration of flavor name into v, a
// pointer to a struct with yaml tags. It reports false when the
// descriptor has no such flavor.
func (d *Descriptor) DecodeFlavor(name string, v any) (bool, error) {
	conf, ok := d.Flavors[name]
	if !ok {
		return false, nil
	}
	node := d.nodes[name]
	if node == nil {
		// A descriptor built in Go rather than parsed: go through YAML.
		b, err := yaml.Marshal(conf)
		if err != nil {
			return true, fmt.Errorf("flavor %s: %w", name, err)
		}
		node = new(yaml.Node)
		if err := yaml.Unmarshal(b, node); err != nil {
			return true, fmt.Errorf("flavor %s: %w", name, err)
		}
	}
	if err := node.Decode(v); err != nil {
		return true, corrupt("flavor %s: %v", name, err)
	}
	return true, nil
}

// Paddock returns the fields under metadata.paddock; zero when absent.
func (d *Descriptor) Paddock() (Paddock, error) {
	var p Paddock
	raw, ok := d.Metadata["paddock"]
	if !ok || raw == nil {
		return p, nil
	}
	b, err := yaml.Marshal(raw)
	if err == nil {
		err = yaml.Unmarshal(b, &p)
	}
	if err != nil {
		return p, corrupt("metadata.paddock: %v", err)
	}
	return p, nil
}

// Marshal encodes d as MLflow writes an MLmodel file: keys sorted,
// block style, two-space indent, sequences not indented. (PyYAML also
// folds long strings at 80 columns and prefers single quotes; both forms
// read the same.)
func Marshal(d *Descriptor) ([]byte, error) {
	b, err := yaml.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", FileName, err)
	}
	// Go through a map, which the encoder writes with sorted keys, so the
	// Extra keys fall into MLflow's alphabetical order too.
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode %s: %w", FileName, err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode %s: %w", FileName, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode %s: %w", FileName, err)
	}
	return buf.Bytes(), nil
}

// Write validates d and writes it to dir/MLmodel, replacing the file
// atomically so a reader never sees half a descriptor.
func Write(dir string, d *Descriptor) error {
	if len(d.Flavors) == 0 {
		return fmt.Errorf("write %s: descriptor has no flavors", FileName)
	}
	if err := d.validate(); err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	b, err := Marshal(d)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+FileName+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, FileName))
}

// CheckPath refuses a path from a descriptor that would leave the model
// directory: absolute, empty, or climbing out with "..". Symbolic links
// are the opener's business (modeldir opens files through an os.Root).
func CheckPath(p string) error {
	if !filepath.IsLocal(p) {
		return fmt.Errorf("path %q leaves the model directory", p)
	}
	return nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", flavor.ErrCorrupt, FileName, fmt.Sprintf(format, args...))
}
