package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/ui"
)

func modelInt(n int64) string { return strconv.FormatInt(n, 10) }

// modelSignature lays out a version's signature ({"inputs": "<schema
// JSON>", "outputs": ..., "params": ...}, as MLflow writes it) as
// tables; a schema that cannot be read is shown as it is.
func modelSignature(raw json.RawMessage) []ui.SignatureSection {
	if len(raw) == 0 {
		return nil
	}
	var sig mlmodel.Signature
	var wire map[string]string
	if err := json.Unmarshal(raw, &wire); err != nil {
		return []ui.SignatureSection{{Title: "Signature", Raw: string(raw)}}
	}
	sig.Inputs, sig.Outputs, sig.Params = wire["inputs"], wire["outputs"], wire["params"]
	var out []ui.SignatureSection
	for _, s := range []struct {
		title, text string
		parse       func() ([]mlmodel.Spec, error)
	}{{"Inputs", sig.Inputs, sig.InputSchema}, {"Outputs", sig.Outputs, sig.OutputSchema}} {
		if s.text == "" {
			continue
		}
		specs, err := s.parse()
		if err != nil {
			out = append(out, ui.SignatureSection{Title: s.title, Raw: s.text})
			continue
		}
		out = append(out, ui.SignatureSection{Title: s.title, Fields: signatureFields(specs)})
	}
	if sig.Params != "" {
		out = append(out, signatureParams(&sig))
	}
	return out
}

func signatureFields(specs []mlmodel.Spec) []ui.SignatureField {
	out := make([]ui.SignatureField, 0, len(specs))
	for i, sp := range specs {
		f := ui.SignatureField{Name: sp.Name, Type: sp.Type, Required: "yes"}
		if f.Name == "" {
			f.Name = "#" + strconv.Itoa(i)
		}
		if sp.Required != nil && !*sp.Required {
			f.Required = "no"
		}
		if sp.Tensor != nil {
			f.Type, f.Shape = "tensor of "+sp.Tensor.DType, signatureShape(sp.Tensor.Shape)
		}
		out = append(out, f)
	}
	return out
}

func signatureParams(sig *mlmodel.Signature) ui.SignatureSection {
	params, err := sig.ParamSchema()
	if err != nil {
		return ui.SignatureSection{Title: "Params", Raw: sig.Params}
	}
	s := ui.SignatureSection{Title: "Params"}
	for _, p := range params {
		def, _ := json.Marshal(p.Default)
		s.Fields = append(s.Fields, ui.SignatureField{Name: p.Name, Type: p.Type, Shape: signatureShape(p.Shape),
			Required: "no (default " + string(def) + ")"})
	}
	return s
}

// signatureShape writes a tensor shape as (-1, 4); -1 is any size.
func signatureShape(shape []int) string {
	if shape == nil {
		return ""
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// downloadVersion streams a version's files as a tar archive through the
// API's handler: a browser session cannot send the API's bearer token.
func (d *dashboard) downloadVersion(c *fiber.Ctx) error {
	if err := d.s.apiDownloadVersion(c); err != nil {
		return d.fail(c, err)
	}
	return nil
}

// downloadVersionFile streams one file of a version. Only files of the
// version's manifest are served, and only while the stored object still
// has the size and digest recorded at registration; the content is then
// checked while it streams, as artifact downloads are.
func (d *dashboard) downloadVersionFile(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return d.fail(c, err)
	}
	rel, err := param(c, "*")
	if err != nil {
		return d.fail(c, err)
	}
	ctx := c.UserContext()
	ver, err := d.s.deps.Registry.GetVersion(ctx, name, n)
	if err != nil {
		return d.fail(c, err)
	}
	files, err := d.s.deps.Registry.Files(ctx, name, n)
	if err != nil {
		return d.fail(c, err)
	}
	var want *registry.File
	for i := range files {
		if files[i].Path == rel {
			want = &files[i]
		}
	}
	loc, ok := strings.CutPrefix(ver.ArtifactURI, "mlflow-artifacts:/")
	if want == nil || !ok {
		return d.fail(c, errs.E(errs.NotFound, "version %d of %s has no file %q", n, name, rel))
	}
	key := artifact.ProxiedKey(loc + "/" + rel)
	rc, info, err := d.s.deps.Artifacts.Get(ctx, key)
	if err != nil {
		return d.fail(c, err)
	}
	if info.Digest != want.Digest || info.Size != want.Size {
		rc.Close()
		return d.fail(c, fmt.Errorf("%w: %s of version %d of %s changed since registration", artifact.ErrDigestMismatch, rel, n, name))
	}
	setArtifactHeaders(c, info)
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename*=UTF-8''`+url.PathEscape(path.Base(rel)))
	requestID := requestIDOf(c)
	c.Context().SetBodyStream(&holdbackReader{src: bufio.NewReaderSize(rc, 64<<10), closer: rc, log: func(err error) {
		d.s.log.Error("model file failed verification while streaming", "key", key, "request_id", requestID, "err", err)
	}}, int(info.Size))
	return nil
}
