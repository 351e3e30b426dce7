package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"strings"

	"github.com/nudgebot/nudgebot/bot/converse"
)

// cmdTeamsPackage writes the Teams app package an admin uploads: the
// manifest, a colour icon and an outline icon.
func cmdTeamsPackage(args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("teams-package", "teams-package -config FILE -out nudgebot.zip", stderr)
	out := fs.String("out", "nudgebot.zip", "the package to write")
	version := fs.String("version", "1.0.0", "the app version (semver); raise it for each upload")
	developer := fs.String("developer", "L&D", "the publisher's name shown in Teams")
	website := fs.String("website", "https://github.com/nudgebot/nudgebot", "https URL of the app's support page")
	privacy := fs.String("privacy", "https://github.com/nudgebot/nudgebot#personal-data", "https URL of the privacy statement")
	terms := fs.String("terms", "https://github.com/nudgebot/nudgebot#licence", "https URL of the terms of use")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadOffline(*path)
	if err != nil {
		return err
	}
	if cfg.MSTeams.AppID == "" {
		return &exitError{2, fmt.Errorf("%s: msteams.app_id is not set: the package names the bot by it", *path)}
	}
	m := teamsManifest(cfg.MSTeams.AppID, *version, *developer, *website, *privacy, *terms)
	zipped, err := teamsZip(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, zipped, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: Teams app package for bot %s (upload it in Teams admin center → Manage apps)\n", *out, cfg.MSTeams.AppID)
	return nil
}

// maxManifestCommands is how many commands Teams lists per scope.
const maxManifestCommands = 10

// teamsCommands are the text commands Teams offers in its compose box:
// the conversation layer's grammar as typed on a chat platform
// (converse.Specs), a manager's commands first, then L&D's. Teams lists at
// most ten; commands past that (the last of L&D's) still work when typed
// and appear in the bot's help.
func teamsCommands() [][2]string {
	var out [][2]string
	for _, admin := range []bool{false, true} {
		for _, s := range converse.Specs(converse.Chatroom, true) {
			if s.Admin != admin || len(out) == maxManifestCommands {
				continue
			}
			about := strings.ToUpper(s.About[:1]) + s.About[1:]
			if s.Admin {
				about = "L&D admins: " + s.About
			}
			if u := s.Usage(converse.Chatroom); u != string(s.Name) {
				about += " (" + u + ")"
			}
			out = append(out, [2]string{string(s.Name), about})
		}
	}
	return out
}

func teamsManifest(appID, version, developer, website, privacy, terms string) map[string]any {
	list := teamsCommands()
	cmds := make([]any, len(list))
	for i, c := range list {
		cmds[i] = map[string]any{"title": c[0], "description": c[1]}
	}
	return map[string]any{
		"$schema":         "https://developer.microsoft.com/en-us/json-schemas/teams/v1.22/MicrosoftTeams.schema.json",
		"manifestVersion": "1.22",
		"version":         version,
		"id":              appID,
		"developer":       map[string]any{"name": developer, "websiteUrl": website, "privacyUrl": privacy, "termsOfUseUrl": terms},
		"name":            map[string]any{"short": "nudgebot", "full": "nudgebot: coaching nudges for line managers"},
		"description": map[string]any{
			"short": "Nudges managers to coach their teams through a learning rollout",
			"full":  "nudgebot reminds line managers, at a good moment in their week, to coach their team on what they are learning: short check-in scripts, micro-assignments, a weekly pledge. Managers answer on the card; L&D sees what happened.",
		},
		"icons":       map[string]any{"color": "color.png", "outline": "outline.png"},
		"accentColor": "#2E7D32",
		"bots": []any{map[string]any{
			"botId":              appID,
			"scopes":             []string{"personal", "team"},
			"isNotificationOnly": false,
			"supportsFiles":      false,
			"commandLists": []any{
				map[string]any{"scopes": []string{"personal"}, "commands": cmds},
			},
		}},
		"permissions":  []string{"identity", "messageTeamMembers"},
		"validDomains": []string{},
	}
}

func teamsZip(manifest map[string]any) ([]byte, error) {
	mj, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := []struct {
		name string
		img  image.Image
		data []byte
	}{{name: "manifest.json", data: mj}, {name: "color.png", img: colorIcon()}, {name: "outline.png", img: outlineIcon()}}
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if f.img != nil {
			err = png.Encode(w, f.img)
		} else {
			_, err = w.Write(f.data)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, errors.New("teams package: " + err.Error())
	}
	return buf.Bytes(), nil
}

// colorIcon is 192×192: a white ring (a nudge: a dot with a circle round
// it) on the accent colour, full bleed as Teams asks.
func colorIcon() image.Image {
	const n = 192
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	bg, fg := color.NRGBA{0x2E, 0x7D, 0x32, 0xFF}, color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	for y := range n {
		for x := range n {
			img.SetNRGBA(x, y, bg)
			if glyph(float64(x)+0.5, float64(y)+0.5, n) {
				img.SetNRGBA(x, y, fg)
			}
		}
	}
	return img
}

// outlineIcon is 32×32: the same glyph in white on a transparent
// background, which is what Teams requires of an outline icon.
func outlineIcon() image.Image {
	const n = 32
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			if glyph(float64(x)+0.5, float64(y)+0.5, n) {
				img.SetNRGBA(x, y, color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF})
			}
		}
	}
	return img
}

// glyph is a ring with a dot in its middle, scaled to an n×n square.
func glyph(x, y float64, n int) bool {
	c := float64(n) / 2
	r := math.Hypot(x-c, y-c) / float64(n)
	return r < 0.12 || (r > 0.30 && r < 0.40)
}
