"""Option names Asterisk 22 knows, per configuration file and section kind.

Taken from the Asterisk 22.10 documentation and sources: the sorcery/ACO option registrations
(pjsip.conf, confbridge.conf, cdr.conf), the parsers of queues.conf (app_queue
`queue_set_param`, `queue_set_global_params`), manager.conf, http.conf, rtp.conf, logger.conf,
musiconhold.conf, extensions.conf (pbx_config), modules.conf (loader) and asterisk.conf.
Each table lists the options of that kind, not only the ones the renderer writes, so a typo or
an option removed in 22 (e.g. `eventwhencalled`) is caught by the checker.

`None` as a table means the section's keys are free-form (dialplan globals, log channels, CDR
mappings).
"""

from __future__ import annotations

from collections.abc import Mapping

PJSIP: Mapping[str, frozenset[str]] = {
    "global": frozenset({
        "type", "all_codecs_on_empty_reinvite", "allow_sending_180_after_183",
        "contact_expiration_check_interval", "debug", "default_auth_algorithms_uac",
        "default_auth_algorithms_uas", "default_from_user", "default_outbound_endpoint", "default_realm",
        "default_voicemail_extension", "disable_multi_domain", "endpoint_identifier_order",
        "ignore_uri_user_options", "keep_alive_interval", "max_forwards", "max_initial_qualify_time",
        "mwi_disable_initial_unsolicited", "mwi_tps_queue_high", "mwi_tps_queue_low", "norefersub",
        "regcontext", "send_contact_status_on_update_registration", "taskprocessor_overload_trigger",
        "unidentified_request_count", "unidentified_request_period", "unidentified_request_prune_interval",
        "use_callerid_contact", "user_agent",
    }),
    "system": frozenset({
        "type", "accept_multiple_sdp_answers", "compact_headers", "disable_rport", "disable_tcp_switch",
        "follow_early_media_fork", "timer_b", "timer_t1", "threadpool_auto_increment",
        "threadpool_idle_timeout", "threadpool_initial_size", "threadpool_max_size",
    }),
    "transport": frozenset({
        "type", "allow_reload", "allow_wildcard_certs", "async_operations", "bind", "ca_list_file",
        "ca_list_path", "cert_file", "cipher", "cos", "domain", "external_media_address",
        "external_signaling_address", "external_signaling_port", "local_net", "method", "password",
        "priv_key_file", "protocol", "require_client_cert", "symmetric_transport", "tcp_keepalive_enable",
        "tcp_keepalive_idle_time", "tcp_keepalive_interval_time", "tcp_keepalive_probe_count", "tos",
        "verify_client", "verify_server", "websocket_write_timeout",
    }),
    "endpoint": frozenset({
        "type", "100rel", "accept_multiple_sdp_answers", "accountcode", "acl", "aggregate_mwi", "allow",
        "allow_overlap", "allow_subscribe", "allow_transfer", "allow_unauthenticated_options", "aors",
        "asymmetric_rtp_codec", "auth", "bind_rtp_to_media_address", "bundle", "call_group", "callerid",
        "callerid_privacy", "callerid_tag", "connected_line_method", "contact_acl", "contact_deny",
        "contact_permit", "contact_user", "context", "cos_audio", "cos_video", "deny",
        "device_state_busy_at", "direct_media", "direct_media_glare_mitigation", "direct_media_method",
        "disable_direct_media_on_nat", "disallow", "dtls_auto_generate_cert", "dtls_ca_file",
        "dtls_ca_path", "dtls_cert_file", "dtls_cipher", "dtls_fingerprint", "dtls_private_key",
        "dtls_rekey", "dtls_setup", "dtls_verify", "dtmf_mode", "fax_detect", "fax_detect_timeout",
        "follow_early_media_fork", "force_avp", "force_rport", "from_domain", "from_user", "ice_support",
        "identify_by", "ignore_183_without_sdp", "inband_progress", "incoming_call_offer_pref",
        "language", "mailboxes", "max_audio_streams", "max_video_streams", "media_address",
        "media_encryption", "media_encryption_optimistic", "media_use_received_transport",
        "message_context", "moh_passthrough", "moh_suggest", "named_call_group", "named_pickup_group",
        "notify_early_inuse_ringing", "one_touch_recording", "outbound_auth", "outbound_proxy",
        "outgoing_call_offer_pref", "permit", "pickup_group", "preferred_codec_only", "redirect_method",
        "refer_blind_progress", "rewrite_contact", "rpid_immediate", "rtcp_mux", "rtp_engine", "rtp_ipv6",
        "rtp_keepalive", "rtp_symmetric", "rtp_timeout", "rtp_timeout_hold", "sdp_owner", "sdp_session",
        "send_connected_line", "send_diversion", "send_history_info", "send_pai", "send_rpid", "set_var",
        "srtp_tag_32", "sub_min_expiry", "subscribe_context", "suppress_q850_reason_headers", "timers",
        "timers_min_se", "timers_sess_expires", "tone_zone", "tos_audio", "tos_video", "transport",
        "trust_connected_line", "trust_id_inbound", "trust_id_outbound", "use_avpf", "use_ptime",
        "user_eq_phone", "voicemail_extension", "webrtc",
    }),
    "aor": frozenset({
        "type", "authenticate_qualify", "contact", "default_expiration", "mailboxes", "max_contacts",
        "maximum_expiration", "minimum_expiration", "outbound_proxy", "qualify_2xx_only",
        "qualify_frequency", "qualify_timeout", "remove_existing", "remove_unavailable", "support_path",
        "voicemail_extension",
    }),
    "auth": frozenset({
        "type", "auth_type", "md5_cred", "nonce_lifetime", "oauth_clientid", "oauth_secret", "password",
        "password_digest", "realm", "refresh_token", "supported_algorithms_uac", "supported_algorithms_uas",
        "username",
    }),
    "identify": frozenset({"type", "endpoint", "match", "match_header", "match_request_uri", "srv_lookups"}),
    "registration": frozenset({
        "type", "auth_rejection_permanent", "client_uri", "contact_header_params", "contact_user",
        "endpoint", "expiration", "fatal_retry_interval", "forbidden_retry_interval", "line",
        "max_random_initial_delay", "max_retries", "outbound_auth", "outbound_proxy", "retry_interval",
        "security_mechanisms", "security_negotiation", "server_uri", "support_outbound", "support_path",
        "transport", "user_agent",
    }),
}

QUEUE_GENERAL = frozenset({
    "autofill", "force_longest_waiting_caller", "log-caller-id-name", "log_membername_as_agent",
    "log_unpause_on_reason_change", "negative_penalty_invalid", "persistentmembers", "shared_lastcall",
})
QUEUE = frozenset({
    "announce", "announce-frequency", "announce-holdtime", "announce-position", "announce-position-limit",
    "announce-position-only-up", "announce-round-seconds", "announce-to-first-user", "autofill",
    "autopause", "autopausebusy", "autopausedelay", "autopauseunavail", "context", "defaultrule",
    "joinempty", "leavewhenempty", "log-restricted-caller-id", "maxlen", "member", "memberdelay",
    "membergosub", "min-announce-frequency", "musicclass", "penaltymemberslimit", "periodic-announce",
    "periodic-announce-frequency", "periodic-announce-startdelay", "queue-callswaiting", "queue-holdtime",
    "queue-minutes", "queue-reporthold", "queue-seconds", "queue-thankyou", "queue-thereare",
    "queue-youarenext", "random-periodic-announce", "relative-periodic-announce", "reportholdtime",
    "retry", "ringinuse", "servicelevel", "setinterfacevar", "setqueueentryvar", "setqueuevar", "strategy",
    "timeout", "timeoutpriority", "timeoutrestart", "weight", "wrapuptime",
})

MANAGER_GENERAL = frozenset({
    "enabled", "port", "bindaddr", "webenabled", "httptimeout", "displayconnects", "timestampevents",
    "channelvars", "debug", "authtimeout", "authlimit", "allowmultiplelogin", "brokeneventsaction",
    "disabledevents", "tlsenable", "tlsbindaddr", "tlscertfile", "tlsprivatekey", "tlscipher",
})
MANAGER_USER = frozenset({
    "secret", "read", "write", "deny", "permit", "acl", "displayconnects", "allowmultiplelogin",
    "writetimeout", "setvar", "eventfilter",
})

CONFBRIDGE_BRIDGE = frozenset({
    "type", "jitterbuffer", "internal_sample_rate", "maximum_sample_rate", "mixing_interval",
    "binaural_active", "record_conference", "record_file", "record_file_append", "record_file_timestamp",
    "record_options", "record_command", "regcontext", "video_mode", "video_update_discard",
    "remb_send_interval", "remb_behavior", "remb_estimated_bitrate", "enable_events", "max_members",
    "language", "template",
})
CONFBRIDGE_USER = frozenset({
    "type", "admin", "send_events", "echo_events", "marked", "startmuted", "music_on_hold_when_empty",
    "quiet", "hear_own_join_sound", "announce_user_count", "announce_user_count_all", "announce_only_user",
    "wait_marked", "end_marked", "end_marked_any", "talk_detection_events", "dtmf_passthrough",
    "announce_join_leave", "announce_join_leave_review", "pin", "music_on_hold_class", "announcement",
    "denoise", "dsp_drop_silence", "dsp_silence_threshold", "dsp_talking_threshold", "jitterbuffer",
    "timeout", "text_messaging", "answer_channel", "template",
})

MOH_CLASS = frozenset({
    "mode", "directory", "application", "digit", "announcement", "sort", "format", "kill_escalation_delay",
    "kill_method", "loop_last", "answeredonly", "preferchannelclass", "entry",
})

TABLES: Mapping[str, Mapping[str, frozenset[str] | None]] = {
    "asterisk.conf": {
        "directories": frozenset({
            "astetcdir", "astmoddir", "astvarlibdir", "astdbdir", "astkeydir", "astdatadir", "astagidir",
            "astspooldir", "astrundir", "astlogdir", "astsbindir", "astcachedir",
        }),
        "options": frozenset({
            "verbose", "debug", "trace", "quiet", "timestamp", "execincludes", "highpriority", "initcrypto",
            "nocolor", "dumpcore", "languageprefix", "systemname", "autosystemname", "maxcalls", "maxload",
            "maxfiles", "minmemfree", "cache_record_files", "record_cache_dir", "transcode_via_sln",
            "transmit_silence", "transmit_silence_during_record", "runuser", "rungroup", "lightbackground",
            "forceblackbackground", "defaultlanguage", "hideconnect",
            "lockconfdir", "stdexten", "live_dangerously", "entityid", "rtp_use_dynamic", "rtp_pt_dynamic",
            "sounds_search_custom_dir", "disable_remote_console_shell", "hide_messaging_ami_events",
            "channel_storage_backend", "astctlpermissions", "astctlowner", "astctlgroup", "astctl",
        }),
    },
    "modules.conf": {
        "modules": frozenset({"autoload", "load", "noload", "preload", "require", "preload-require"}),
    },
    "extensions.conf": {
        "general": frozenset({
            "static", "writeprotect", "autofallthrough", "extenpatternmatchnew", "clearglobalvars",
            "userscontext",
        }),
        "globals": None,
        "context": frozenset({"exten", "same", "include", "switch", "ignorepat"}),
    },
    "queues.conf": {"general": QUEUE_GENERAL, "queue": QUEUE},
    "manager.conf": {"general": MANAGER_GENERAL, "user": MANAGER_USER},
    "confbridge.conf": {"general": frozenset(), "bridge": CONFBRIDGE_BRIDGE, "user": CONFBRIDGE_USER},
    "musiconhold.conf": {"general": frozenset({"cachertclasses", "preferchannelclass"}), "class": MOH_CLASS},
    "cdr.conf": {
        "general": frozenset({
            "enable", "debug", "unanswered", "congestion", "endbeforehexten", "initiatedseconds", "batch",
            "size", "time", "scheduleronly", "safeshutdown", "channeldefaultenabled", "ignorestatechanges",
            "ignoredialchanges", "canceldispositionenabled",
        }),
    },
    "cdr_manager.conf": {"general": frozenset({"enabled"}), "mappings": None},
    "logger.conf": {
        "general": frozenset({
            "dateformat", "appendhostname", "queue_log", "queue_log_to_file", "queue_log_name",
            "queue_log_realtime_use_gmt", "rotatestrategy", "exec_after_rotate", "logger_queue_limit",
            "display_callids", "custom_levels", "rotatetimestamp",
        }),
        "logfiles": None,
    },
    "rtp.conf": {
        "general": frozenset({
            "rtpstart", "rtpend", "rtpchecksums", "dtmftimeout", "rtcpinterval", "strictrtp", "probation",
            "srtpreplayprotection", "icesupport", "stunaddr", "stun_software_attribute", "turnaddr",
            "turnusername", "turnpassword", "dtls_mtu",
        }),
    },
    "http.conf": {
        "general": frozenset({
            "enabled", "bindaddr", "bindport", "prefix", "servername", "sessionlimit", "session_inactivity",
            "session_keep_alive", "enablestatic", "enable_static", "enable_status", "redirect", "tlsenable",
            "tlsbindaddr", "tlscertfile", "tlsprivatekey", "tlscipher", "tlscafile", "tlscapath",
            "tlsclientmethod", "tlsservercipherorder",
        }),
    },
    "pjsip.conf": PJSIP,
    "cel.conf": {"general": frozenset({"enable", "apps", "events", "dateformat"})},
    "features.conf": {
        "general": frozenset({
            "featuredigittimeout", "recordingfailsound", "transferdigittimeout", "xfersound", "xferfailsound",
            "pickupexten", "pickupsound", "pickupfailsound", "courtesytone", "atxfernoanswertimeout",
            "atxferdropcall", "atxferloopdelay", "atxfercallbackretries", "transferdialattempts",
            "transferretrysound", "transferinvalidsound", "atxferabort", "atxfercomplete", "atxferthreeway",
            "atxferswap",
        }),
    },
    # Tone names of a zone are free-form (dial, busy, ring, congestion, ...).
    "indications.conf": {"general": frozenset({"country"}), "zone": None},
    "ccss.conf": {"general": frozenset({"cc_max_requests"})},
    # Present only so Asterisk finds them; the renderer writes no section.
    "acl.conf": {},
    "udptl.conf": {},
    "pjproject.conf": {},
    "stasis.conf": {},
    "queuerules.conf": {},
}

# logger.conf [logfiles] values: the levels a channel may carry.
LOG_LEVELS = frozenset({"debug", "trace", "notice", "warning", "error", "verbose", "dtmf", "fax", "security"})
