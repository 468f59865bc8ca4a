package main

import (
	"fmt"
	"os"
	"strings"
)

// endpointFlags are a worker's TCP address for the read API and its bearer
// token: --serve-addr, --serve-token, --serve-token-file. The worker serves
// there (serveFlags), the read commands reach it there (readFlags); each
// registers them with its own help.
type endpointFlags struct {
	addr      string
	token     string
	tokenFile string
}

// endpointHelp is the help of the three flags.
type endpointHelp struct{ addr, token, tokenFile string }

func (e *endpointFlags) register(cl *commandLine, help endpointHelp) {
	cl.fs.StringVar(&e.addr, "serve-addr", "", help.addr)
	cl.fs.StringVar(&e.token, "serve-token", "", help.token)
	cl.fs.StringVar(&e.tokenFile, "serve-token-file", "", help.tokenFile)
}

// loadToken reads --serve-token-file, which must hold a token.
func (e *endpointFlags) loadToken() error {
	if e.tokenFile == "" {
		return nil
	}
	b, err := os.ReadFile(e.tokenFile)
	if err != nil {
		return fmt.Errorf("--serve-token-file: %v", err)
	}
	e.token = strings.TrimSpace(string(b))
	if e.token == "" {
		return fmt.Errorf("--serve-token-file %s is empty", e.tokenFile)
	}
	return nil
}
