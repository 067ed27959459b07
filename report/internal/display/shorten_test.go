package display

import (
	"testing"
	"unicode/utf8"
)

func TestShortenName(t *testing.T) {
	const svc = "github.com/acme/shop/internal/checkout.(*Svc).Run"
	tests := []struct {
		give string
		n    int
		want string
	}{
		{svc, 100, svc},
		{svc, 45, "github.com/…/internal/checkout.(*Svc).Run"},
		{svc, 37, "github.com/acme/…/checkout.(*Svc).Run"},
		{svc, 36, "github.com/…/checkout.(*Svc).Run"},
		{svc, 24, "…/checkout.(*Svc).Run"},
		{svc, 20, "checkout.(*Svc).Run"},
		{svc, 18, "…(*Svc).Run"},
		{svc, 9, "…Run"},
		{"net/http.(*conn).serve", 20, "…/http.(*conn).serve"},
		{"main.veryLongFunctionNameThatDoesNotFit", 12, "main.veryLo…"},
		{"github.com/x/y/pkg.F[go.shape.struct { github.com/a/b.T }]", 30, "github.com/x/y/pkg.F[…]"},
		{"github.com/x/y/pkg.F[go.shape.struct { github.com/a/b.T }]", 20, "…/x/y/pkg.F[…]"},
	}
	for _, tt := range tests {
		got := ShortenName(tt.give, tt.n)
		if got != tt.want {
			t.Errorf("ShortenName(%q, %d) = %q, want %q", tt.give, tt.n, got, tt.want)
		}
		if utf8.RuneCountInString(got) > tt.n {
			t.Errorf("ShortenName(%q, %d) = %q: too long", tt.give, tt.n, got)
		}
	}
}

func TestShortenPath(t *testing.T) {
	const p = "/home/ci/src/acme/shop/checkout/pricing.go:214"
	tests := []struct {
		give string
		n    int
		want string
	}{
		{p, 60, p},
		{p, 32, "/…/shop/checkout/pricing.go:214"},
		{p, 26, "/…/checkout/pricing.go:214"},
		{p, 20, "/…/pricing.go:214"},
		{p, 10, "…ng.go:214"},
		{`C:\src\shop\checkout\pricing.go:9`, 24, `C:\src\…\pricing.go:9`},
		{"pricing.go:214", 8, "….go:214"},
	}
	for _, tt := range tests {
		got := ShortenPath(tt.give, tt.n)
		if got != tt.want {
			t.Errorf("ShortenPath(%q, %d) = %q, want %q", tt.give, tt.n, got, tt.want)
		}
		if utf8.RuneCountInString(got) > tt.n {
			t.Errorf("ShortenPath(%q, %d) = %q: too long", tt.give, tt.n, got)
		}
	}
}
