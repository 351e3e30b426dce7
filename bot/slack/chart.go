package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"

	"github.com/slack-go/slack"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// The progress chart is small: it sits under the summary in a channel and
// must be readable at a glance, also on a phone.
const (
	chartWidth  = 480 // pixels
	chartHeight = 240 // pixels
	chartDPI    = 96
)

// Chart colours: the bar turns green once the team reaches its goal.
var (
	colorBelow  = color.RGBA{R: 0x36, G: 0x7b, B: 0xc4, A: 0xff} // blue
	colorOnGoal = color.RGBA{R: 0x2e, G: 0x9e, B: 0x5b, A: 0xff} // green
	colorGoal   = color.RGBA{R: 0xc4, G: 0x3b, B: 0x36, A: 0xff} // red
)

// SummaryChart draws a team summary's progress as a PNG of 480 × 240
// pixels: one horizontal bar, the share of learners with a
// first application, against a dashed line at L&D's goal. It is a pure
// function of c, which holds aggregates only: the picture goes to the team
// channel, so it names nobody (the label is the team's name).
//
// Figures out of range are drawn clamped (a share above 100% as a full
// bar) and said as they are in the axis label, so that a wrong count shows
// instead of breaking the summary.
func SummaryChart(c nudges.Chart) ([]byte, error) {
	share, goal := clamp01(c.AppliedShare()), clamp01(c.TargetShare)

	p := plot.New()
	// Slack draws its own text in a sans-serif face; the chart matches it.
	for _, st := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label} {
		st.Font.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Text = chartTitle(c)
	p.X.Label.Text = chartCaption(c)
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{
		{Value: 0, Label: "0%"}, {Value: 25, Label: "25%"}, {Value: 50, Label: "50%"},
		{Value: 75, Label: "75%"}, {Value: 100, Label: "100%"},
	})
	p.NominalY("applied")

	bar, err := plotter.NewBarChart(plotter.Values{share * 100}, vg.Points(36))
	if err != nil {
		return nil, fmt.Errorf("summary chart: %w", err)
	}
	bar.Horizontal = true
	bar.LineStyle.Width = 0
	bar.Color = colorBelow
	if c.Learners > 0 && share >= goal {
		bar.Color = colorOnGoal
	}

	line, err := plotter.NewLine(plotter.XYs{{X: goal * 100, Y: -0.45}, {X: goal * 100, Y: 0.45}})
	if err != nil {
		return nil, fmt.Errorf("summary chart: %w", err)
	}
	line.LineStyle = draw.LineStyle{Color: colorGoal, Width: vg.Points(2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}

	mark, err := plotter.NewLabels(plotter.XYLabels{
		XYs:    plotter.XYs{{X: goal * 100, Y: 0.47}},
		Labels: []string{fmt.Sprintf("goal %d%%", pctOf(c.TargetShare))},
	})
	if err != nil {
		return nil, fmt.Errorf("summary chart: %w", err)
	}
	for i := range mark.TextStyle {
		mark.TextStyle[i].Color = colorGoal
		mark.TextStyle[i].Font.Variant = "Sans"
		mark.TextStyle[i].XAlign = draw.XCenter
		// Near an edge the label would leave the picture: align it inwards.
		switch {
		case goal < 0.15:
			mark.TextStyle[i].XAlign = draw.XLeft
		case goal > 0.85:
			mark.TextStyle[i].XAlign = draw.XRight
		}
	}

	p.Add(plotter.NewGrid(), bar, line, mark)
	p.Y.Min, p.Y.Max = -0.6, 0.7 // room above the bar for the goal's label
	p.X.Min, p.X.Max = 0, 100    // Add widened them to the data

	canvas := vgimg.NewWith(
		vgimg.UseWH(vg.Length(chartWidth)*vg.Inch/chartDPI, vg.Length(chartHeight)*vg.Inch/chartDPI),
		vgimg.UseDPI(chartDPI))
	// A margin keeps the outermost labels ("100%") off the picture's edge.
	margin := vg.Points(8)
	p.Draw(draw.Crop(draw.New(canvas), margin, -margin, margin/2, -margin/2))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("summary chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// chartTitle says whose chart it is and when.
func chartTitle(c nudges.Chart) string {
	label := c.Label
	if blank(label) {
		label = "Team progress"
	}
	if c.Week <= 0 {
		return label + " · before launch"
	}
	return fmt.Sprintf("%s · week %d", label, c.Week)
}

// chartCaption is the chart's figures in words; it is also the file's alt
// text, for whoever cannot see the picture.
func chartCaption(c nudges.Chart) string {
	if c.Learners <= 0 {
		return fmt.Sprintf("No learners on the team yet · goal %d%%", pctOf(c.TargetShare))
	}
	return fmt.Sprintf("First application: %d of %d learners (%d%%) · goal %d%%",
		c.Applied, c.Learners, pctOf(c.AppliedShare()), pctOf(c.TargetShare))
}

func pctOf(f float64) int {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int(math.Round(f * 100))
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return min(max(f, 0), 1)
}

// postChart uploads a team summary's chart to the channel the summary was
// just posted to, with the files.upload v2 flow (files.getUploadURLExternal,
// the upload itself, files.completeUploadExternal, which shares it).
//
// It runs after the summary is posted, and nothing it does fails the
// delivery: the summary in text and blocks already says everything the
// chart shows. Were the chart uploaded first, a summary post that then
// failed would be retried by the engine and upload the chart again, and a
// workspace without files:write could not get its summaries at all. Were a
// failed upload returned as the delivery's error, the engine would retry
// the whole Send and post the summary twice. So a refusal (a missing
// files:write scope, a channel the bot is not in, uploads disabled, a 403)
// leaves the summary as text, and a passing failure (a 5xx, a timeout) is
// not retried: the chart is missing this week, the summary is not. A crash
// between the two has the same effect, since Delivered finds the summary.
func (a *Adapter) postChart(ctx context.Context, channel, nudge string, c nudges.Chart) {
	log := a.log.With().Str("nudge_id", nudge).Str("channel", channel).Logger()
	png, err := SummaryChart(c)
	if err != nil {
		log.Error().Err(err).Msg("cannot draw the summary chart; the summary was posted as text only")
		return
	}
	// Sharing the file posts a message in the channel: it takes its turn
	// like any other post there.
	err = a.pace.message(ctx, channel)
	if err == nil {
		err = a.call(ctx, "files.upload", func(ctx context.Context) error {
			_, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{
				Reader:   bytes.NewReader(png),
				FileSize: len(png),
				Filename: chartFilename(c),
				Title:    chartTitle(c),
				AltTxt:   chartCaption(c),
				Channel:  channel,
			})
			return err
		})
	}
	if err == nil {
		log.Debug().Int("bytes", len(png)).Msg("summary chart posted")
		return
	}
	// The error names the Slack method and code, never a person: the chart
	// holds aggregates only, and slack-go's errors do not echo the token.
	var perm *converse.PermanentError
	if errors.As(deliveryError(err, false), &perm) {
		log.Warn().Str("reason", perm.Reason).Err(err).
			Msg("Slack refused the summary chart upload (check the app's files:write scope, its membership of the channel and the workspace's file settings); the summary was posted as text only")
		return
	}
	log.Warn().Err(err).Msg("summary chart upload failed; the summary was posted without it")
}

// chartFilename names the uploaded picture after the program week.
func chartFilename(c nudges.Chart) string {
	if c.Week <= 0 {
		return "team-progress.png"
	}
	return fmt.Sprintf("team-progress-week-%d.png", c.Week)
}
