package lms

import "github.com/prometheus/client_golang/prometheus"

// Collector exports the statement counts on each scrape, read from the
// store, so they are right across restarts without a counter of our own.
type Collector struct {
	in   *Intake
	desc *prometheus.Desc
}

// NewCollector returns the collector of in's counts.
func NewCollector(in *Intake) *Collector {
	return &Collector{in: in, desc: prometheus.NewDesc("nudgebot_lms_statements",
		"Learning statements kept, by what became of them (event, unmapped, old, bulk, voiding).", []string{"status"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.in.Counts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
