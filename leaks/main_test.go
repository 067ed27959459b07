package leaks_test

import (
	"testing"

	"github.com/gdiag/gdiag/leaks/leaktest"
)

// TestMain fails the package's tests when they leave goroutines behind. The
// flash-sale fixture's leak-timeout senders are the exception: where the
// runtime has the goroutineleak profile (Go 1.27+), the collector's
// captures prove them leaked and nothing can wake them any more (see
// flashsale.Service.Heal); they are the fixture's, left on purpose.
func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m, leaktest.IgnoreTopFunction("github.com/gdiag/gdiag/fixtures/flashsale.(*Service).sendRiskResult"))
}
