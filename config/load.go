package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envAliases are the short environment variables documented for the most
// used keys, beside the systematic PADDOCK_<SECTION>_<KEY> names.
var envAliases = map[string]string{
	"PADDOCK_ADDR":        "server.addr",
	"PADDOCK_ADMIN_TOKEN": "auth.admin_token",
}

// Loaded is a validated configuration with where each key came from.
type Loaded struct {
	*Config
	// File is the configuration file read, "" when none.
	File string
	// lines maps a dotted key to its line in File.
	lines map[string]int
}

// Line returns the line of key in the file, 0 when it was not there.
func (l *Loaded) Line(key string) int { return l.lines[key] }

// Flags are the command-line overrides, applied last. Empty means unset.
type Flags struct {
	DataDir string
	Addr    string
}

func (f Flags) apply(c *Config) {
	if f.DataDir != "" {
		c.DataDir = f.DataDir
	}
	if f.Addr != "" {
		c.Server.Addr = f.Addr
	}
}

// Load reads the YAML file at path (none when path is ""), applies
// PADDOCK_* variables from getenv on top, then the flags, fills derived
// defaults and validates the result. Every problem is reported in one
// *Error.
func Load(path string, getenv func(string) string, flags Flags) (*Loaded, error) {
	cfg := Default()
	l := &Loaded{Config: cfg, File: path, lines: map[string]int{}}
	if path != "" {
		if err := l.readFile(path); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(cfg, getenv); err != nil {
		return nil, err
	}
	flags.apply(cfg)
	return l, l.finish()
}

// finish fills defaults that depend on other keys (paths under data_dir)
// and validates.
func (l *Loaded) finish() error {
	l.fillDerived()
	if probs := l.validate(); len(probs) > 0 {
		return &Error{Problems: probs}
	}
	return nil
}

// Parse is Load on the bytes of a file named name, for tests and fuzzing.
func Parse(name string, data []byte, getenv func(string) string) (*Loaded, error) {
	l := &Loaded{Config: Default(), File: name, lines: map[string]int{}}
	if err := l.parse(name, data); err != nil {
		return nil, err
	}
	if err := applyEnv(l.Config, getenv); err != nil {
		return nil, err
	}
	return l, l.finish()
}

func (l *Loaded) readFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			msg = pe.Err.Error()
		}
		return &Error{Problems: []Problem{{File: path, Msg: "cannot read: " + msg}}}
	}
	return l.parse(path, b)
}

func (l *Loaded) parse(path string, b []byte) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file (or only comments) is all defaults
		}
		return &Error{Problems: []Problem{{File: path, Line: yamlErrLine(err), Msg: yamlErrMsg(err)}}}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	d := &decoder{file: path, lines: l.lines}
	d.decode(doc.Content[0], reflect.ValueOf(l.Config).Elem(), "")
	if len(d.problems) > 0 {
		return &Error{Problems: d.problems}
	}
	return nil
}

func (l *Loaded) fillDerived() {
	c := l.Config
	if c.Database.Path == "" {
		c.Database.Path = filepath.Join(c.DataDir, "paddock.db")
	}
	if c.Artifacts.Local.Root == "" {
		c.Artifacts.Local.Root = filepath.Join(c.DataDir, "artifacts")
	}
	if c.Serving.ModelDir == "" {
		c.Serving.ModelDir = filepath.Join(c.DataDir, "models")
	}
}

// applyEnv sets every key that has a PADDOCK_<PATH> variable (and the
// aliases). Lists and maps are not settable from the environment.
func applyEnv(cfg *Config, getenv func(string) string) error {
	var probs []Problem
	set := func(v reflect.Value, key, env string) {
		s := getenv(env)
		if s == "" {
			return
		}
		d := &decoder{}
		d.decode(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}, v, key)
		for _, p := range d.problems {
			p.Key = env + " (" + key + ")"
			probs = append(probs, p)
		}
	}
	walkLeaves(reflect.ValueOf(cfg).Elem(), "", func(v reflect.Value, key string) {
		set(v, key, EnvName(key))
	})
	aliases := make([]string, 0, len(envAliases))
	for env := range envAliases {
		aliases = append(aliases, env)
	}
	slices.Sort(aliases)
	for _, env := range aliases {
		if v, ok := lookupKey(cfg, envAliases[env]); ok {
			set(v, envAliases[env], env)
		}
	}
	if len(probs) > 0 {
		return &Error{Problems: probs}
	}
	return nil
}

// EnvName is the environment variable that overrides a dotted key:
// "artifacts.s3.endpoint" → "PADDOCK_ARTIFACTS_S3_ENDPOINT".
func EnvName(key string) string {
	return "PADDOCK_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// walkLeaves calls fn for every scalar field of a struct tree.
func walkLeaves(v reflect.Value, path string, fn func(reflect.Value, string)) {
	if v.Kind() == reflect.Struct && !reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		for i := range v.NumField() {
			if name := yamlName(v.Type().Field(i)); name != "" {
				walkLeaves(v.Field(i), joinKey(path, name), fn)
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer:
		return
	}
	fn(v, path)
}

func lookupKey(cfg *Config, key string) (reflect.Value, bool) {
	v := reflect.ValueOf(cfg).Elem()
	for part := range strings.SplitSeq(key, ".") {
		idx, ok := yamlFields(v.Type())[part]
		if !ok {
			return reflect.Value{}, false
		}
		v = v.Field(idx)
	}
	return v, true
}

// yamlErrLine digs the line number out of a yaml syntax error.
func yamlErrLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	return line
}

func yamlErrMsg(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, "line "); i == 0 {
		if j := strings.Index(msg, ": "); j > 0 {
			msg = msg[j+2:]
		}
	}
	return "invalid YAML: " + msg
}
