package clihelp

// ControllerEnv groups prescale-controller's variables (and prescale run's)
// by purpose: full names, or a prefix and "*".
var ControllerEnv = []Group{
	G("Server and REST API", "PRESCALE_LISTEN", "PRESCALE_LOG_LEVEL", "PRESCALE_EXTERNAL_URL", "PRESCALE_API_TOKEN",
		"PRESCALE_MANUAL_DURATION", "PRESCALE_METRICS_*", "PRESCALE_STRESS_TEST_*", "PRESCALE_API_*", "PRESCALE_HTTP_*"),
	G("History source and storage", "PRESCALE_DATA_DIR", "PRESCALE_PROMETHEUS_*", "PRESCALE_QUERY_*",
		"PRESCALE_SCRAPE_*", "PRESCALE_RETENTION", "PRESCALE_HISTORY_*", "PRESCALE_STEP"),
	G("Decision loop", "PRESCALE_SCALING_INTERVAL", "PRESCALE_MODE", "PRESCALE_FORECAST_*",
		"PRESCALE_ANOMALY_*", "PRESCALE_CONFIDENCE_*", "PRESCALE_COST_*", "PRESCALE_SHARD*"),
	G("Actuation", "PRESCALE_ACTUATOR", "PRESCALE_ACTUATOR_*", "PRESCALE_WEBHOOK_*", "PRESCALE_EXEC_*"),
	G("Targets (PRESCALE_TARGET_* are the defaults of every entry of PRESCALE_TARGETS_FILE)", "PRESCALE_TARGETS_FILE", "PRESCALE_TARGET_*"),
}

// ExporterEnv groups prescale-exporter's variables by purpose.
var ExporterEnv = []Group{
	G("Server", "PRESCALE_EXPORTER_LISTEN", "PRESCALE_EXPORTER_MAX_IN_FLIGHT", "PRESCALE_EXPORTER_LOG_LEVEL"),
	G("Application (each source is off until set)", "PRESCALE_APP_*"),
	G("Host sources", "PRESCALE_EXPORTER_FS_*", "PRESCALE_EXPORTER_DISK_*"),
}
