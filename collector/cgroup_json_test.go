package collector

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateCgroup = flag.Bool("update-cgroup", false, "rewrite testdata/cgroup/*.cgroup.json")

// TestCgroupJSON keeps testdata/cgroup/NAME.cgroup.json equal to what
// readCgroup reads from testdata/cgroup/NAME, as it goes into a bundle's
// manifest, so that other packages (gctune's GOMAXPROCS advice) test on
// the same real cgroup trees without reimplementing the reader.
func TestCgroupJSON(t *testing.T) {
	dirs, err := filepath.Glob("testdata/cgroup/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		n++
		cg, err := readCgroup(os.DirFS(dir))
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		got, err := json.MarshalIndent(cg, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		golden := dir + ".cgroup.json"
		if *updateCgroup {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update-cgroup)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: readCgroup =\n%s\nwant (%s)\n%s", dir, got, golden, want)
		}
	}
	if n == 0 {
		t.Fatal("no cgroup trees in testdata/cgroup")
	}
}
