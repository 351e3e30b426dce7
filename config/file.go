package config

// The types below mirror the TOML file one to one; Load decodes into them
// strictly and then validates them into the domain types. Optional numbers
// are pointers so that an absent key (default) differs from an explicit 0.
// Fields that may be written either as a string or as a TOML value (dates,
// cadence weeks) are `any`: a wrong type then becomes one validation problem
// among the others instead of an error that stops the decoder.

type file struct {
	DataDir  *string       `toml:"data_dir"`
	Chat     chatFile      `toml:"chat"`
	Defaults defaultsFile  `toml:"defaults"`
	Engine   engineFile    `toml:"engine"`
	Targets  targetsFile   `toml:"targets"`
	Privacy  privacyFile   `toml:"privacy"`
	Log      logFile       `toml:"log"`
	HTTP     httpFile      `toml:"http"`
	Slack    slackFile     `toml:"slack"`
	MSTeams  msteamsFile   `toml:"msteams"`
	Roster   rosterFile    `toml:"roster"`
	Programs []programFile `toml:"programs"`
	Scripts  []scriptFile  `toml:"scripts"`
	Cadences []cadenceFile `toml:"cadences"`
	Managers []managerFile `toml:"managers"`
	Teams    []teamFile    `toml:"teams"`
	LMS      lmsFile       `toml:"lms"`

	Dashboard dashboardFile `toml:"dashboard"`
}

type chatFile struct {
	Platform string `toml:"platform"`
}

type defaultsFile struct {
	Timezone     string   `toml:"timezone"`
	WorkingDays  []string `toml:"working_days"`
	WorkingHours string   `toml:"working_hours"`
	Holidays     []any    `toml:"holidays"`
	CatchUp      string   `toml:"catch_up"`
	MaxPerDay    *int     `toml:"max_nudges_per_day"`
	MaxPerWeek   *int     `toml:"max_nudges_per_week"`
	PauseAfter   *int     `toml:"pause_after_ignored"`
	Snooze       string   `toml:"snooze"`
	MaxDefer     string   `toml:"max_defer"`
	ExpireAfter  string   `toml:"expire_after"`
}

type engineFile struct {
	SweepInterval string `toml:"sweep_interval"`
	RetryFor      string `toml:"retry_for"`
	ShutdownGrace string `toml:"shutdown_grace"`
}

type targetsFile struct {
	FirstApplicationPercent *int `toml:"first_application_percent"`
	CoachingMinutesPerWeek  *int `toml:"coaching_minutes_per_week"`
	MinGroupSize            *int `toml:"min_group_size"`
}

type privacyFile struct {
	Retention string `toml:"retention"`
}

type logFile struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

type rosterFile struct {
	CSV string `toml:"csv"`
}

type programFile struct {
	ID          string           `toml:"id"`
	Name        string           `toml:"name"`
	Launch      any              `toml:"launch"`
	Weeks       int              `toml:"weeks"`
	Paused      bool             `toml:"paused"`
	Assignments []assignmentFile `toml:"assignments"`
	Modules     []moduleFile     `toml:"modules"`
}

type assignmentFile struct {
	ID           string `toml:"id"`
	Title        string `toml:"title"`
	Instructions string `toml:"instructions"`
	Week         int    `toml:"week"`
	DueDays      *int   `toml:"due_days"`
}

type scriptFile struct {
	ID        string   `toml:"id"`
	Title     string   `toml:"title"`
	Minutes   int      `toml:"minutes"`
	Questions []string `toml:"questions"`
}

type cadenceFile struct {
	ID           string   `toml:"id"`
	Kind         string   `toml:"kind"`
	Program      string   `toml:"program"`
	Script       string   `toml:"script"`
	Schedule     string   `toml:"schedule"`
	Event        string   `toml:"event"`
	Delay        string   `toml:"delay"`
	Weeks        any      `toml:"weeks"`
	Phases       []string `toml:"phases"`
	RemindAfter  string   `toml:"remind_after"`
	MaxReminders *int     `toml:"max_reminders"`
	// HoldoutPercent holds that share of the program's managers out of the
	// cadence, to measure what it changes.
	HoldoutPercent *float64 `toml:"holdout_percent"`
	AbsentFor      string   `toml:"absent_for"`
}

type managerFile struct {
	ID           string      `toml:"id"`
	Name         string      `toml:"name"`
	Email        string      `toml:"email"`
	Timezone     string      `toml:"timezone"`
	WorkingDays  []string    `toml:"working_days"`
	WorkingHours string      `toml:"working_hours"`
	Holidays     []any       `toml:"holidays"`
	OutOfOffice  []rangeFile `toml:"out_of_office"`
	Programs     []string    `toml:"programs"`
	Admin        bool        `toml:"admin"`
	SlackID      string      `toml:"slack_id"`
	TeamsID      string      `toml:"teams_id"`
}

type rangeFile struct {
	From any `toml:"from"`
	To   any `toml:"to"`
}

type teamFile struct {
	ID      string       `toml:"id"`
	Name    string       `toml:"name"`
	Channel string       `toml:"channel"`
	Manager string       `toml:"manager"`
	Members []memberFile `toml:"members"`
}

type memberFile struct {
	ID    string `toml:"id"`
	Name  string `toml:"name"`
	Email string `toml:"email"`
	LMSID string `toml:"lms_id"`
}

type httpFile struct {
	Listen string `toml:"listen"`
}

type slackFile struct {
	Mode              string   `toml:"mode"`
	APIURL            string   `toml:"api_url"`
	BotTokenFile      string   `toml:"bot_token_file"`
	AppTokenFile      string   `toml:"app_token_file"`
	SigningSecretFile string   `toml:"signing_secret_file"`
	Admins            []string `toml:"admins"`
	WorkspaceRate     *float64 `toml:"workspace_rate"`
}
