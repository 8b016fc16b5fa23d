"""IVR flows, one per file: intake (ivr), callback survey (survey), watch-list warning."""
