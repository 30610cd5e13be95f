// probe is the real node's smoke-test image: one static binary, built offline with the Go toolchain, that
// logs (for kubectl logs), answers HTTP (for probes and pod networking), fetches a URL (to reach host
// services through the bridge gateway) and reports who it runs as (for exec under restricted Pod Security).
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe serve [addr] | get <url> | whoami")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(arg(2, ":8080"))
	case "get":
		get(arg(2, ""))
	case "whoami":
		whoami()
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func arg(i int, fallback string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return fallback
}

func serve(addr string) {
	host, _ := os.Hostname()
	fmt.Printf("probe: serving on %s as uid=%d gid=%d in pod %s\n", addr, os.Getuid(), os.Getgid(), host)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "ok from %s\n", host) })
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			fmt.Println("probe: listen:", err)
			os.Exit(1)
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(5 * time.Second)
	for n := 1; ; n++ {
		select {
		case s := <-stop:
			fmt.Println("probe: stopping on", s)
			return
		case <-tick.C:
			fmt.Println("probe: tick", n)
		}
	}
}

func get(url string) {
	client := http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		fmt.Println("probe: get:", err)
		os.Exit(1)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Printf("probe: %s %d %s", url, res.StatusCode, body)
}

func whoami() {
	fmt.Printf("uid=%d gid=%d groups=%v\n", os.Getuid(), os.Getgid(), must(os.Getgroups()))
	if err := os.WriteFile("/probe-write-test", []byte("x"), 0o600); err != nil {
		fmt.Println("root file system:", err)
	} else {
		fmt.Println("root file system: writable")
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		for _, prefix := range []string{"CapEff", "CapBnd", "Seccomp:", "NoNewPrivs"} {
			if strings.HasPrefix(line, prefix) {
				fmt.Println(line)
			}
		}
	}
}

func must[T any](v T, _ error) T { return v }
