package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	"github.com/nudgebot/nudgebot/store"
)

// The control socket lets status, backup and export work while the bot
// runs. bbolt locks its file exclusively for the writer, and a read-only
// open needs a shared lock, so a second process cannot open the file at
// all; it asks the running bot instead, over a socket only the bot's user
// can reach.

func serveControl(ctx context.Context, path string, e *bot.Engine, log zerolog.Logger) (io.Closer, error) {
	l, err := listenPrivate(path, net.Listen)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		s, err := readStatus(e.Store())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s)
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := e.Store().Backup(w); err != nil {
			log.Error().Err(err).Msg("backup over control socket failed")
		}
	})
	mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
		if err := writeExport(e.Store(), r.URL.Query().Get("format"), w); err != nil {
			log.Error().Err(err).Msg("export over control socket failed")
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	return closerFunc(func() error {
		err := srv.Close()
		os.Remove(path)
		return err
	}), nil
}

// listenPrivate listens on a unix socket at path that only this user can
// ever connect to. A socket takes its mode from the umask when it is bound,
// and a chmod afterwards leaves a moment in which anyone allowed into
// data_dir may connect (and fetch /export). So the socket is bound inside a
// fresh 0700 directory, made 0600 there, and only then renamed into place:
// it is private from its first instant. (Setting the umask around the bind
// instead would change it for the whole process, every goroutine's files
// included.) listen is net.Listen; tests look at the socket as it is bound.
func listenPrivate(path string, listen func(network, address string) (net.Listener, error)) (net.Listener, error) {
	// Short names: a socket's path has a length limit (108 bytes on
	// Linux): the temporary path is about as long as the final one.
	dir, err := os.MkdirTemp(filepath.Dir(path), ".s")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	l, err := listen("unix", tmp)
	if err != nil {
		return nil, err
	}
	// The socket file moves; closing must not unlink whatever is at tmp.
	if ul, ok := l.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
	if err = os.Chmod(tmp, 0o600); err == nil {
		// A socket left by a crashed bot is replaced; we hold the data
		// file's lock, so no other bot is using it.
		err = os.Rename(tmp, path)
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// errNoBot means no bot answers on the control socket.
var errNoBot = errors.New("no running bot")

// askBot fetches path from a running bot; errNoBot when none runs.
func askBot(ctx context.Context, socket, path string) (io.ReadCloser, error) {
	if _, err := os.Stat(socket); err != nil {
		return nil, errNoBot
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://nudgebot"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, errNoBot // a stale socket from a bot that died
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("running bot answered %s: %s", resp.Status, body)
	}
	return resp.Body, nil
}

// Status is what `nudgebot status` prints.
type Status struct {
	Nudges   map[store.State]uint64 `json:"nudges"`
	FirstRun string                 `json:"first_run,omitempty"`
	Source   string                 `json:"source"` // "running bot" or "data file"
	// Statements counts the learning statements kept, by what became of
	// them (event, unmapped, old, bulk, voiding).
	Statements map[string]int64 `json:"learning_statements,omitempty"`
}

func readStatus(st *store.Store) (Status, error) {
	counts, err := st.Counts()
	if err != nil {
		return Status{}, err
	}
	s := Status{Nudges: counts, Source: "running bot"}
	if d, ok, err := st.ReadFirstRun(); err == nil && ok {
		s.FirstRun = d.String()
	}
	if s.Statements, err = st.StatementCounts(); err != nil {
		return Status{}, err
	}
	return s, nil
}
