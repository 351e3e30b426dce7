package config

import "net/url"

// WriteBack is [lms.writeback]: where coaching logs are sent as xAPI
// statements, so L&D sees manager coaching beside course data. Empty URL:
// no write-back.
type WriteBack struct {
	URL      string // the LRS's xAPI base, e.g. https://lrs.example.com/xapi/
	Key      string // HTTP Basic user name
	Secret   Secret // NUDGEBOT_LMS_WRITEBACK_SECRET or secret_file
	HomePage string // the account homePage naming managers and learners in statements
}

type writeBackFile struct {
	URL        string `toml:"url"`
	Key        string `toml:"key"`
	SecretFile string `toml:"secret_file"`
	HomePage   string `toml:"homepage"`
}

func (l *loader) writeBack(f *writeBackFile) {
	if f.URL == "" {
		if f.Key != "" || f.SecretFile != "" || f.HomePage != "" {
			l.c.add("lms.writeback.url", "missing: the LRS's xAPI base URL the other writeback keys are for")
		}
		return
	}
	w := &l.cfg.LMS.WriteBack
	w.URL, w.Key, w.HomePage = f.URL, f.Key, or(f.HomePage, "https://nudgebot.invalid/")
	if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.c.add("lms.writeback.url", "%q is not an http(s) URL", f.URL)
	}
	if !absoluteIRI(w.HomePage) {
		l.c.add("lms.writeback.homepage", "%q is not an absolute IRI", f.HomePage)
	}
	if f.Key == "" {
		l.c.add("lms.writeback.key", "missing: the LRS user name (HTTP Basic)")
	}
	if !l.noSecrets {
		w.Secret = l.secret("lms.writeback.secret_file", f.SecretFile, "NUDGEBOT_LMS_WRITEBACK_SECRET", "the write-back LRS's secret")
	}
}
