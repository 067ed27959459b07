// Package browsertest runs headless Chromium for gdiag's browser tests (the
// HTML report in cmd/gdiag, the collector's index page in
// collector/mounttest): it finds the browser, failing under CI=true when it
// is missing, starts it with the flags both tests need, and opens tabs that
// record what a page logs, throws and requests, so that each test can
// require a page that loads nothing but itself and logs no error.
//
// Only tests import it; it links chromedp.
package browsertest
