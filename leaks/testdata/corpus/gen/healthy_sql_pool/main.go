// healthy_sql_pool: HEALTHY: a database/sql pool opened with a driver: its connection
// opener goroutine waits for requests for new connections for the life of
// the DB, and the application's own DB-backed worker waits for work.
package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type conn struct{}

func (conn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (conn) Close() error                        { return nil }
func (conn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

type connector struct{}

func (connector) Connect(context.Context) (driver.Conn, error) { return conn{}, nil }
func (connector) Driver() driver.Driver                        { return nil }

func main() {
	db := sql.OpenDB(connector{})
	defer db.Close()
	if err := db.Ping(); err != nil {
		panic(err)
	}
	capture.Dump("healthy_sql_pool", 200*time.Millisecond)
}
