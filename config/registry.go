package config

import (
	"fmt"
	"maps"
	"slices"

	"github.com/paddockml/paddock/registry/naming"
)

// RegistryConfig configures the model registry.
type RegistryConfig struct {
	// Approvals maps a model name, or "*" for every model the file does
	// not name, to the aliases whose moves need an admin's approval.
	// Entries here are the source of truth for the models they name: the
	// API cannot change them. Default: none (no alias is guarded).
	Approvals map[string]ApprovalConfig `yaml:"approvals"`
}

// ApprovalConfig is one model's approval policy.
type ApprovalConfig struct {
	// Aliases are the guarded aliases, e.g. [production, alpha]; "*"
	// guards every alias of the model. Default: [] (none).
	Aliases []string `yaml:"aliases"`
}

// Policies returns the approval policies in the form the registry takes.
func (r RegistryConfig) Policies() map[string][]string {
	out := make(map[string][]string, len(r.Approvals))
	for model, a := range r.Approvals {
		out[model] = slices.Clone(a.Aliases)
	}
	return out
}

// validateRegistry checks model and alias names with the registry's own
// rules, reporting each problem at its key.
func validateRegistry(r RegistryConfig, bad func(key, format string, args ...any)) {
	for _, model := range slices.Sorted(maps.Keys(r.Approvals)) {
		key := "registry.approvals." + model
		if model != "*" {
			if err := naming.ValidateModelName(model); err != nil {
				bad(key, "invalid model name: %v", err)
			}
		}
		for i, alias := range r.Approvals[model].Aliases {
			if alias == "*" {
				continue
			}
			if err := naming.ValidateAlias(alias); err != nil {
				bad(fmt.Sprintf("%s.aliases[%d]", key, i), "%v", err)
			}
		}
	}
}
