"""modules.conf: `autoload=no` and exactly the Asterisk 22 modules the rendered configuration uses.

Each module is listed with why it is there; the names are the ones Asterisk 22.10 builds
(checked against a real 22.10.1 build, see README "asterisk"). Modules whose failure would
leave a useless switch are `require`d: Asterisk refuses to start without them instead of
running silently without queues or SIP.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings


@dataclass(frozen=True)
class Module:
    name: str
    why: str
    required: bool = False


_CORE: tuple[Module, ...] = (
    # SIP stack: chan_pjsip needs res_pjsip, res_pjsip_session and res_pjsip_pubsub; res_pjsip
    # needs res_pjproject and the three sorcery wizards (config, memory, astdb for contacts).
    Module("res_pjproject", "pjproject glue for every res_pjsip module", True),
    Module("res_sorcery_config", "pjsip.conf objects", True),
    Module("res_sorcery_memory", "pjsip runtime objects", True),
    Module("res_sorcery_astdb", "registered contacts survive a restart", True),
    Module("res_pjsip", "SIP stack", True),
    Module("res_pjsip_session", "SIP calls", True),
    Module("res_pjsip_pubsub", "needed by chan_pjsip", True),
    Module("chan_pjsip", "PJSIP channels: trunks and seats", True),
    Module("res_pjsip_sdp_rtp", "audio in SDP", True),
    Module("res_pjsip_registrar", "seats' phones register"),
    Module("res_pjsip_authenticator_digest", "seats authenticate"),
    Module("res_pjsip_endpoint_identifier_ip", "the trunk is identified by its address"),
    Module("res_pjsip_endpoint_identifier_user", "seats are identified by their extension"),
    Module("res_pjsip_nat", "rewrite_contact/force_rport for phones behind NAT"),
    Module("res_pjsip_caller_id", "caller ID from P-Asserted-Identity/Remote-Party-ID of the trunk"),
    Module("res_rtp_asterisk", "RTP media", True),
    Module("res_timing_timerfd", "timing source for ConfBridge mixing and music on hold"),
    # Dialplan and applications.
    Module("pbx_config", "extensions.conf", True),
    Module("app_dial", "Dial: trunks, seats, units, 110/119/120/122", True),
    Module("app_queue", "skill queues", True),
    Module("app_confbridge", "three-way calls (004 §12)"),
    Module("bridge_softmix", "mixing bridge behind ConfBridge"),
    Module("bridge_simple", "two-party bridges"),
    Module("bridge_native_rtp", "two-party bridges without transcoding"),
    Module("app_mixmonitor", "call recording"),
    Module("app_chanspy", "supervisor listen/whisper/barge"),
    Module("res_speech", "needed by res_agi"),
    Module("res_agi", "FastAGI IVR and the optional local fail-safe AGI", True),
    Module("func_logic", "IF()"),
    Module("func_strings", "FILTER(), STRFTIME()"),
    Module("func_dialplan", "DIALPLAN_EXISTS()"),
    Module("func_callerid", "CALLERID()"),
    Module("res_musiconhold", "music while waiting in a queue or on hold"),
    Module("cdr_manager", "Cdr events on AMI for reconciling call records"),
    # Media formats and codecs.
    Module("format_wav", "recordings, prompts, utterances and music on hold are WAV"),
    Module("codec_ulaw", "G.711 u-law"),
    Module("codec_alaw", "G.711 A-law"),
)

_CODEC_MODULES = {"g722": ("codec_g722",), "gsm": ("codec_gsm", "format_gsm")}


def modules_for(settings: Settings) -> list[Module]:
    """The modules this deployment's configuration uses, in load order."""
    sw = settings.softswitch
    modules = list(_CORE)
    if any(t.username for t in sw.trunks):
        modules.append(Module("res_pjsip_outbound_authenticator_digest", "trunks that need credentials"))
    if any(t.registration for t in sw.trunks):
        modules.append(Module("res_pjsip_outbound_registration", "trunks that register"))
    if sw.webrtc:
        modules += [
            Module("res_http_websocket", "websocket on Asterisk's HTTP server"),
            Module("res_pjsip_transport_websocket", "SIP over ws/wss for WebRTC seats"),
            Module("res_srtp", "DTLS-SRTP media of WebRTC seats"),
        ]
    codecs = {c for t in sw.trunks for c in t.codecs}
    for codec in sorted(codecs):
        for name in _CODEC_MODULES.get(codec, ()):
            modules.append(Module(name, f"{codec} on a trunk"))
    if "g722" in codecs:
        modules.append(Module("codec_resample", "g722 is 16 kHz"))
    return modules
