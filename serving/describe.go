package serving

import (
	"context"
	"maps"
	"slices"
	"sort"

	"github.com/paddockml/paddock/flavor"
)

// Description is what a served version is: for KServe's model metadata
// and Paddock's serving status.
type Description struct {
	Model     string           `json:"model"`
	Version   int64            `json:"version"`
	Alias     string           `json:"alias,omitempty"`
	Flavor    string           `json:"flavor"`
	PredictFn string           `json:"predict_fn,omitempty"`
	Digest    string           `json:"artifact_digest,omitempty"`
	Batching  bool             `json:"batching"`
	Signature flavor.Signature `json:"signature"`
}

// Describe resolves a model as Predict does (loading it if needed) and
// describes the version that would answer.
func (s *Service) Describe(ctx context.Context, model, alias string, version int64) (Description, error) {
	ep, err := s.endpointOf(ctx, model)
	if err != nil {
		return Description{}, err
	}
	h, alias, err := ep.acquireTarget(ctx, s.target(alias, version))
	if err != nil {
		return Description{}, err
	}
	defer h.release()
	return describe(h, alias), nil
}

func describe(h *handle, alias string) Description {
	return Description{Model: h.model, Version: h.version, Alias: alias, Flavor: h.loaded.Flavor,
		PredictFn: h.loaded.PredictFn, Digest: h.digest, Batching: h.batch != nil, Signature: h.sig}
}

// ModelStatus is a served model's state in this process.
type ModelStatus struct {
	Model string `json:"model"`
	// Aliases maps each installed alias to its version.
	Aliases map[string]int64 `json:"aliases"`
	// Loaded lists the loaded versions.
	Loaded []Description `json:"loaded"`
	// Configured says whether serving.models names the model.
	Configured bool `json:"configured"`
}

// Status lists every model with an endpoint, by name.
func (s *Service) Status() []ModelStatus {
	s.mu.Lock()
	eps := slices.Collect(maps.Values(s.endpoints))
	s.mu.Unlock()
	sort.Slice(eps, func(i, j int) bool { return eps[i].name < eps[j].name })
	out := make([]ModelStatus, 0, len(eps))
	for _, ep := range eps {
		out = append(out, ep.status())
	}
	return out
}

func (ep *endpoint) status() ModelStatus {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	st := ModelStatus{Model: ep.name, Aliases: map[string]int64{}, Loaded: []Description{}, Configured: ep.configured}
	for a, h := range ep.table.Load().aliases {
		st.Aliases[a] = h.version
	}
	for _, v := range slices.Sorted(maps.Keys(ep.versions)) {
		st.Loaded = append(st.Loaded, describe(ep.versions[v], ""))
	}
	return st
}
