// Package mounttest mounts the collector's handler under real third-party
// routers (chi, gorilla/mux, gin, echo) and drives its index page in
// headless Chromium. It is a separate module so that those routers and
// chromedp are test dependencies of this module only: neither the collector
// nor the gdiag module requires them.
package mounttest
