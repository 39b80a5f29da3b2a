package pyworker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func frameOf(payload string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		max   int
		want  string
		err   error
	}{
		{"one frame", frameOf(`{"id":1}`), 64, `{"id":1}`, nil},
		{"exactly max", frameOf("12345678"), 8, "12345678", nil},
		{"end of input", nil, 64, "", io.EOF},
		{"short header", []byte{0, 0}, 64, "", ErrProtocol},
		{"empty frame", []byte{0, 0, 0, 0}, 64, "", ErrProtocol},
		{"over max", frameOf("123456789"), 8, "", ErrFrameTooLarge},
		{"huge header", []byte{0xff, 0xff, 0xff, 0xff, '{'}, 64 << 20, "", ErrFrameTooLarge},
		{"short payload", frameOf(`{"id":1}`)[:7], 64, "", ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFrame(bytes.NewReader(tt.input), tt.max)
			if !errors.Is(err, tt.err) || string(got) != tt.want {
				t.Fatalf("readFrame = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestAppendFrameRefusesWhatTheReaderWould(t *testing.T) {
	if _, err := appendFrame(nil, nil, 8); !errors.Is(err, ErrProtocol) {
		t.Errorf("empty payload: %v", err)
	}
	if _, err := appendFrame(nil, []byte("123456789"), 8); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("payload over max: %v", err)
	}
	b, err := appendFrame(nil, []byte("abc"), 8)
	if err != nil || !bytes.Equal(b, frameOf("abc")) {
		t.Errorf("appendFrame = % x, %v", b, err)
	}
}

func TestDecodeResponseEnvelope(t *testing.T) {
	for _, bad := range []string{
		`[]`, `"x"`, `{}`, `{"id": 1}`, `{"ok": true}`, `{"id": -1, "ok": true}`,
		`{"id": 1, "ok": "yes"}`, `{"id": 1, "ok": false}`, `{"id": 1, "ok": true} {}`,
		`{"id": 1, "ok": true, "outputs": {}}`,
	} {
		if _, err := decodeResponse([]byte(bad)); !errors.Is(err, ErrProtocol) {
			t.Errorf("decodeResponse(%s) = %v, want ErrProtocol", bad, err)
		}
	}
	r, err := decodeResponse([]byte(`{"id": 7, "ok": false, "error": {"kind": "input", "type": "InputError", "message": "m"}}`))
	if err != nil || *r.ID != 7 || *r.OK {
		t.Fatalf("decodeResponse = %+v, %v", r, err)
	}
}

// FuzzReadFrame feeds arbitrary bytes to the reply decoder: frames, then
// envelopes, then output tensors. It must never panic or allocate beyond
// what the input justifies, and every frame it accepts must re-encode to
// the same bytes.
func FuzzReadFrame(f *testing.F) {
	f.Add(frameOf(`{"id":1,"ok":true,"outputs":[{"name":"y","dtype":"float64","shape":[2],"data":[1.5,"NaN"]}]}`), 1024)
	f.Add(frameOf(`{"id":2,"ok":true,"outputs":[{"name":"s","dtype":"string","shape":[1,1],"data":["a\"b"]}]}`), 1024)
	f.Add(frameOf(`{"id":3,"ok":true,"outputs":[{"name":"b","dtype":"bool","shape":[],"data":[true]}]}`), 1024)
	f.Add(frameOf(`{"id":3,"ok":true,"outputs":[{"name":"r","dtype":"float64","shape":[1],"data":"AAAAAAAA8D8="}]}`), 1024)
	f.Add(frameOf(`{"id":3,"ok":true,"outputs":[{"name":"q","dtype":"bool","shape":[2],"data":"AQA="}]}`), 1024)
	f.Add(frameOf(`{"id":4,"ok":false,"error":{"kind":"model","type":"E","message":"m"}}`), 64)
	f.Add(append(frameOf(`{"id":5,"ok":true}`), frameOf(`{"id":6,"ok":true,"outputs":[{"dtype":"int64","shape":[3],"data":[1,-2,3]}]}`)...), 1024)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, 1<<20)
	f.Add([]byte{0, 0, 0, 3, '{', '}'}, 16)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max <= 0 || max > 1<<20 {
			max = 1 << 20
		}
		r := bytes.NewReader(data)
		for {
			payload, err := readFrame(r, max)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrProtocol) {
					t.Fatalf("unexpected error class: %v", err)
				}
				return
			}
			if len(payload) == 0 || len(payload) > max {
				t.Fatalf("accepted a %d-byte frame with max %d", len(payload), max)
			}
			again, err := appendFrame(nil, payload, max)
			if err != nil || !bytes.HasSuffix(again, payload) || len(again) != len(payload)+frameHeader {
				t.Fatalf("accepted frame does not re-encode: %v", err)
			}
			resp, err := decodeResponse(payload)
			if err != nil {
				continue
			}
			outs, err := decodeOutputs(resp.Outputs)
			if err != nil {
				continue
			}
			for _, o := range outs {
				if o.Len() != len(o.F64)+len(o.F32)+len(o.I64)+len(o.Str)+len(o.Bool) {
					t.Fatalf("output %q: shape %v does not match its data", o.Name, o.Shape)
				}
			}
		}
	})
}
