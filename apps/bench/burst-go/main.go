// A burst of client connections, for `npm run bench -- --accept` (apps/bench/src/burstGo.ts): n
// connections opened evenly over a spread, each sending one GET the moment it is connected (over
// TLS: once its handshake is done), each timed from its dial to the first line of its reply. In Go
// rather than in the bench's Node process, so that the generator can open 2,000 connections within
// 100 ms on a machine it shares with the server: Node spends about 0.1 ms of CPU on each.
//
// Prints one JSON line of figures, then holds the connections open until a line arrives on stdin
// (so the caller can ask the server how its workers share them), then closes them and exits.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"time"
)

type summary struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

type result struct {
	Resumed      int      `json:"resumed"`
	Answered     int      `json:"answered"`
	Failed       int      `json:"failed"`
	Failures     []string `json:"failures"`
	OpenSpanMs   float64  `json:"openSpanMs"`
	ConnectMs    summary  `json:"connectMs"`
	FirstReplyMs summary  `json:"firstReplyMs"`
	Over250ms    int      `json:"over250ms"`
}

func summarize(values []float64) summary {
	if len(values) == 0 {
		return summary{}
	}
	sort.Float64s(values)
	at := func(q float64) float64 {
		i := int(q*float64(len(values))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(values) {
			i = len(values) - 1
		}
		return values[i]
	}
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return summary{P50: at(0.5), P99: at(0.99), Max: values[len(values)-1], Mean: sum / float64(len(values))}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7171", "host:port")
	n := flag.Int("n", 2000, "connections")
	spread := flag.Duration("spread", 100*time.Millisecond, "open them evenly over this long")
	proto := flag.String("proto", "text", "text or resp")
	caFile := flag.String("ca", "", "connect over TLS trusting this PEM certificate")
	timeout := flag.Duration("timeout", 30*time.Second, "a connection with no reply by then fails")
	tag := flag.String("tag", "burst", "key prefix")
	resume := flag.Bool("resume", false, "over TLS: one connection first to get a session ticket, then every connection resumes that session (a reconnect storm)")
	flag.Parse()

	var tlsConfig *tls.Config
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tlsConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
		if *resume {
			tlsConfig.ClientSessionCache = tls.NewLRUClientSessionCache(1)
			conn, err := tls.Dial("tcp", *addr, tlsConfig)
			if err == nil {
				conn.Write([]byte("GET " + *tag + ":prime\n"))
				bufio.NewReader(conn).ReadString('\n')
				conn.Close()
			}
		}
	}

	var mu sync.Mutex
	var wg sync.WaitGroup
	conns := make([]net.Conn, 0, *n)
	connect := make([]float64, 0, *n)
	reply := make([]float64, 0, *n)
	res := result{Failures: []string{}}
	fail := func(why string) {
		mu.Lock()
		res.Failed++
		if len(res.Failures) < 5 {
			res.Failures = append(res.Failures, why)
		}
		mu.Unlock()
	}
	start := time.Now()
	var first, last time.Time
	for i := 0; i < *n; i++ {
		at := start.Add(time.Duration(int64(*spread) * int64(i) / int64(*n)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		if i == 0 {
			first = time.Now()
		}
		last = time.Now()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			called := time.Now()
			deadline := called.Add(*timeout)
			dialer := &net.Dialer{Deadline: deadline}
			var conn net.Conn
			var err error
			if tlsConfig != nil {
				conn, err = tls.DialWithDialer(dialer, "tcp", *addr, tlsConfig)
			} else {
				conn, err = dialer.Dial("tcp", *addr)
			}
			if err != nil {
				fail(err.Error())
				return
			}
			connected := time.Since(called)
			mu.Lock()
			conns = append(conns, conn)
			if t, ok := conn.(*tls.Conn); ok && t.ConnectionState().DidResume {
				res.Resumed++
			}
			mu.Unlock()
			key := fmt.Sprintf("%s:%d", *tag, i)
			var req string
			if *proto == "text" {
				req = "GET " + key + "\n"
			} else {
				req = fmt.Sprintf("*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key)
			}
			conn.SetDeadline(deadline)
			if _, err := conn.Write([]byte(req)); err != nil {
				fail(err.Error())
				return
			}
			if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
				fail("no reply: " + err.Error())
				return
			}
			replied := time.Since(called)
			conn.SetDeadline(time.Time{})
			mu.Lock()
			connect = append(connect, float64(connected)/1e6)
			reply = append(reply, float64(replied)/1e6)
			if replied > 250*time.Millisecond {
				res.Over250ms++
			}
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	res.Answered = len(reply)
	res.OpenSpanMs = float64(last.Sub(first)) / 1e6
	res.ConnectMs = summarize(connect)
	res.FirstReplyMs = summarize(reply)
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
}
