package html_test

import (
	"testing"

	"github.com/gdiag/gdiag/leaks/leaktest"
)

// TestMain fails the package's tests when they leave goroutines behind.
func TestMain(m *testing.M) { leaktest.VerifyTestMain(m) }
