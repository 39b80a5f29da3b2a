package server

import (
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/paddockml/paddock/errs"
)

// FuzzDecodeJSON: any body either decodes or gives an invalid_argument
// error; never a panic, never another kind of error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"x","role":"viewer"}`, `{`, `[]`, `{"name":1}`, `{} {}`, "\x00", `{"name":"\ud800"}`} {
		f.Add([]byte(s))
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		fctx := &fasthttp.RequestCtx{}
		fctx.Request.SetBody(body)
		c := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(c)
		var v createTokenRequest
		if err := decodeJSON(c, &v); err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("body %q: error of the wrong kind: %v", body, err)
		}
	})
}
