package config

import (
	"reflect"
	"strings"
)

// Keys lists every settable dotted key of the configuration, in order.
func Keys() []string {
	var keys []string
	walkLeaves(reflect.ValueOf(Default()).Elem(), "", func(_ reflect.Value, key string) {
		keys = append(keys, key)
	})
	return keys
}

// Masked returns a copy of the configuration with secrets replaced by
// "********", for display (dashboard settings, logs).
func (c *Config) Masked() *Config {
	cp := *c
	mask(reflect.ValueOf(&cp).Elem())
	return &cp
}

func mask(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		fv := v.Field(i)
		switch {
		case f.Tag.Get("secret") == "true" && fv.Kind() == reflect.String && fv.String() != "":
			fv.SetString("********")
		case fv.Kind() == reflect.Struct && !strings.HasPrefix(fv.Type().PkgPath(), "time"):
			mask(fv)
		}
	}
}
