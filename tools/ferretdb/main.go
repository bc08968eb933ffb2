// Command ktc-ferretdb is the MongoDB-wire server `ktc local up --mongo` starts: FerretDB v1 embedded,
// with its SQLite backend. The released `ferretdb` command cannot be built with `go install` (it panics on a
// missing generated version.txt), while the embeddable package needs nothing generated.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to serve the MongoDB wire protocol on")
	dataDir := flag.String("data", "", "directory holding one SQLite file per database")
	flag.Parse()
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "ktc-ferretdb: -data DIR is required")
		os.Exit(2)
	}

	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ktc-ferretdb:", err)
		os.Exit(1)
	}

	// SIGTERM (ktc local down) closes the listener and the SQLite files cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	server.Run(ctx)
}
