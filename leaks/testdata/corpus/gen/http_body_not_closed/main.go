// http_body_not_closed: a client reads the status of responses but never closes their bodies:
// each response keeps its connection, and the transport's readLoop and
// writeLoop goroutines of every such connection stay (a classic leak in
// services, go vet's bodyclose linters). Fix: defer resp.Body.Close().
package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func check(client *http.Client, url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	return resp.StatusCode // body never read nor closed
}

func main() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 64<<10))
	}))
	client := &http.Client{}
	for range 6 {
		check(client, srv.URL)
	}
	capture.Dump("http_body_not_closed", 200*time.Millisecond)
}
