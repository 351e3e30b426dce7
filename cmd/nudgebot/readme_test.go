package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// readmeNow is when the README's shell session runs: a Sunday evening, when
// of the example's managers only Dana, who works round the clock, is inside
// her working hours.
var readmeNow = time.Date(2026, 11, 22, 22, 21, 2, 0, time.UTC)

// fence is one fenced code block of a Markdown file.
type fence struct{ lang, body string }

// fences returns the fenced code blocks of md in order.
func fences(md string) []fence {
	var out []fence
	var cur *fence
	var body strings.Builder
	for line := range strings.Lines(md) {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &fence{lang: strings.TrimPrefix(trimmed, "```")}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.body = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
		}
	}
	return out
}

// readmeSection returns the README's section under heading, up to the next
// heading of the same level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	md := string(raw)
	i := strings.Index(md, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	md = md[i+len(heading)+2:]
	if j := strings.Index(md, "\n## "); j >= 0 {
		md = md[:j]
	}
	return md
}

// heredoc returns the lines of the first <<'EOF' … EOF document in script.
func heredoc(t *testing.T, script string) string {
	t.Helper()
	_, rest, ok := strings.Cut(script, "<<'EOF'\n")
	if !ok {
		t.Fatalf("no <<'EOF' input in %q", script)
	}
	doc, _, ok := strings.Cut(rest, "\nEOF\n")
	if !ok {
		t.Fatalf("unterminated <<'EOF' input in %q", script)
	}
	return doc + "\n"
}

// nonBlank returns text's lines without the blank ones, which only separate
// messages and disappear where the README splits its output into parts.
func nonBlank(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
		if line = strings.TrimRight(line, "\n"); strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out
}

// TestREADME_ShellSession runs the README's scripted shell session at a
// fixed clock and checks that its output is exactly the README's parts, in
// order, and that the help the README quotes is the shell's. When the bot's
// output changes, the README must change with it.
func TestREADME_ShellSession(t *testing.T) {
	blocks := fences(readmeSection(t, "## A shell session"))
	if len(blocks) < 3 || blocks[0].lang != "sh" {
		t.Fatalf("the shell session section should open with the sh script, then the output; found %d blocks", len(blocks))
	}
	script := heredoc(t, blocks[0].body)
	var want, help []string
	for _, b := range blocks[1:] {
		if strings.HasPrefix(b.body, "Commands (as the manager") {
			help = nonBlank(b.body)
			continue
		}
		want = append(want, nonBlank(b.body)...)
	}

	cfg := exampleCopy(t)
	out, _, err := runAt(t, readmeNow, script, "run", "-config", cfg)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	diffLines(t, "the README's shell session", want, nonBlank(out), out)

	if help == nil {
		t.Fatal("the README does not quote the shell's help")
	}
	out, _, err = runAt(t, readmeNow, "help\n", "run", "-config", exampleCopy(t))
	if err != nil {
		t.Fatalf("run help: %v", err)
	}
	got := nonBlank(out)
	// The help follows the greeting and the nudges delivered at start.
	for i, l := range got {
		if strings.HasPrefix(l, "Commands (as the manager") {
			got = got[i:]
			break
		}
	}
	diffLines(t, "the README's help", help, got, out)
}

// diffLines fails at the first line where got departs from want, showing
// the whole output so the README can be brought up to date from it.
func diffLines(t *testing.T, what string, want, got []string, full string) {
	t.Helper()
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Fatalf("%s differs from the bot's output at line %d:\nREADME: %q\nbot:    %q\n\nthe bot printed (at %s):\n%s",
				what, i+1, w, g, readmeNow.Format(time.RFC3339), full)
		}
	}
}

// TestREADME_QuickStartCommandsAreCIs checks the README's two setup
// commands: the first runs the example, the second is the very test command
// CI runs.
func TestREADME_QuickStartCommandsAreCIs(t *testing.T) {
	blocks := fences(readmeSection(t, "## Quick start"))
	if len(blocks) < 2 || blocks[0].lang != "sh" || blocks[1].lang != "sh" {
		t.Fatalf("Quick start should hold two sh blocks, found %d", len(blocks))
	}
	if got := strings.TrimSpace(blocks[0].body); got != "go run ./cmd/nudgebot run -config config.example.toml" {
		t.Errorf("first setup command %q", got)
	}
	test := strings.TrimSpace(blocks[1].body)
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "if ! { "+test+"; }; then") {
		t.Errorf(".ci/run does not run the README's test command %q", test)
	}
}
