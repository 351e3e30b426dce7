package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/store"
)

// Access and erasure requests: everything held about one learner or
// manager, and its removal. Both open the data file themselves, so the bot
// must be stopped: an erasure ends by rewriting the whole file, and each
// records an audit entry, which a read-only copy could not.

// rosterEntry is a person as the configuration has them.
type rosterEntry struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Email    string   `json:"email,omitempty"`
	Role     string   `json:"role"` // manager, learner, or "not on the roster"
	Team     string   `json:"team,omitempty"`
	Programs []string `json:"programs,omitempty"`
	Admin    bool     `json:"admin,omitempty"`
}

func personOf(cfg *config.Config, id string) (rosterEntry, store.Who) {
	e := rosterEntry{ID: id, Role: "not on the roster"}
	if m := cfg.Manager(id); m != nil {
		e = rosterEntry{ID: id, Name: m.Name, Email: m.Email, Role: "manager", Programs: m.Programs, Admin: m.Admin}
	} else if t := cfg.TeamOfMember(id); t != nil {
		for _, mb := range t.Members {
			if mb.ID == id {
				e = rosterEntry{ID: id, Name: mb.Name, Email: mb.Email, Role: "learner", Team: t.ID}
			}
		}
	}
	w := store.Who{IDs: []string{id}}
	if e.Name != "" {
		w.Names = append(w.Names, e.Name)
	}
	if e.Email != "" {
		w.Emails = append(w.Emails, e.Email)
	}
	return e, w
}

// personFlags reads -person and the -name and -email of someone no longer
// on the roster.
func personFlags(name, synopsis string, args []string, stderr io.Writer) (cfg *config.Config, who rosterEntry, w store.Who, err error) {
	fs, path := newFlags(name, synopsis, stderr)
	id := fs.String("person", "", "the learner's or manager's roster `id`")
	extraName := fs.String("name", "", "their `name`, when they are no longer on the roster")
	extraEmail := fs.String("email", "", "their `email`, when they are no longer on the roster")
	if err := parse(fs, args); err != nil {
		return nil, who, w, err
	}
	if *id == "" {
		fs.Usage()
		return nil, who, w, &exitError{2, errors.New("-person: whose data? give their roster id")}
	}
	if cfg, err = loadOffline(*path); err != nil {
		return nil, who, w, err
	}
	who, w = personOf(cfg, *id)
	if *extraName != "" {
		w.Names = append(w.Names, *extraName)
	}
	if *extraEmail != "" {
		w.Emails = append(w.Emails, *extraEmail)
	}
	return cfg, who, w, nil
}

// withWritableStore opens the data file for a person request; a running
// bot holds its lock, and the error says to stop it.
func withWritableStore(cfg *config.Config, fn func(*store.Store) error) error {
	st, err := store.Open(dataFile(cfg), store.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	err = fn(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

func cmdExportPerson(ctx context.Context, args []string, stdout, stderr io.Writer, o options) error {
	cfg, who, w, err := personFlags("export", "export -config FILE -person ID [-name NAME] [-email EMAIL]", args, stderr)
	if err != nil {
		return err
	}
	var p store.Person
	err = withWritableStore(cfg, func(st *store.Store) error {
		if err := st.View(func(tx *store.Tx) (err error) { p, err = tx.Person(w); return err }); err != nil {
			return err
		}
		if who.Role == "not on the roster" && p.Empty() {
			return &exitError{2, fmt.Errorf("export: nobody with id %q is on the roster or in the data file", who.ID)}
		}
		return st.Write(ctx, func(tx *store.Tx) error {
			return tx.AddAudit(store.Audit{At: o.now(), Actor: "cli", Action: "export", Detail: "one person's records"})
		})
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Person  rosterEntry  `json:"person"`
		Records store.Person `json:"records"`
	}{who, p})
}

func cmdErase(ctx context.Context, args []string, stdout, stderr io.Writer, o options) error {
	cfg, who, w, err := personFlags("erase", "erase -config FILE -person ID [-name NAME] [-email EMAIL]", args, stderr)
	if err != nil {
		return err
	}
	var done store.Erased
	err = withWritableStore(cfg, func(st *store.Store) error {
		var p store.Person
		if err := st.View(func(tx *store.Tx) (err error) { p, err = tx.Person(w); return err }); err != nil {
			return err
		}
		if who.Role == "not on the roster" && p.Empty() {
			return &exitError{2, fmt.Errorf("erase: nobody with id %q is on the roster or in the data file; nothing changed", who.ID)}
		}
		return st.Write(ctx, func(tx *store.Tx) (err error) {
			done, err = tx.ErasePerson(w, "cli", o.now())
			return err
		})
	})
	if err != nil {
		return err
	}
	// With the store closed: rewrite the file so no freed page keeps them.
	if err := store.Compact(dataFile(cfg)); err != nil {
		return fmt.Errorf("erase: the records are deleted but the file was not rewritten, so freed pages may still hold them; run erase again: %w", err)
	}
	fmt.Fprintf(stdout, "erased %s: %s; data file rewritten\n", who.ID, done)
	if who.Role != "not on the roster" {
		fmt.Fprintf(stderr, "erase: %s is still on the roster as a %s: remove them from the configuration or roster before the bot runs again, or it will start on them afresh\n", who.ID, who.Role)
	}
	return nil
}

// hasFlag reports whether args set flag name (-name, --name, -name=…).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		for _, p := range []string{"-" + name, "--" + name} {
			if a == p || len(a) > len(p) && a[:len(p)+1] == p+"=" {
				return true
			}
		}
	}
	return false
}
