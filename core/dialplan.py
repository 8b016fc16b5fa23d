"""Names shared by the dialplan (asterisk_conf/), the IVR (ivr/) and call control (callflow/).

The renderer writes these contexts; callflow Originates/Redirects into them and the IVR sets the
variables. Keeping them in one module is what stops the backend and Asterisk from disagreeing.
Asterisk 22 treats N, X and Z as wildcards in any case inside `_` patterns, so values are passed
as channel variables to literal extensions instead of being encoded in pattern extensions.
"""

from __future__ import annotations

# Contexts
CTX_INBOUND = "from-trunk"  # 12345 and the merged department numbers arrive here
CTX_SEATS = "from-seats"  # what seats' phones may dial
CTX_QUEUE = "hotline-queue"  # `s`: join ${HOTLINE_QUEUE} (fallback route included)
CTX_EMERGENCY = "hotline-emergency"  # one literal extension per number of settings.emergency_numbers
CTX_THREEWAY = "hotline-threeway"  # `s`: ConfBridge(${HOTLINE_CONF})
CTX_SURVEY = "hotline-survey"  # `s`: the callback survey AGI for ${HOTLINE_TICKET}
CTX_CALLBACK = "hotline-callback"  # `s`: missed-call call-back, dials ${HOTLINE_DIAL} for a seat
CTX_SPY = "hotline-spy"  # literal `listen` / `whisper` / `barge`, target ${HOTLINE_SPY_TARGET}
CTX_SEAT_LINE = "hotline-seat"  # `s`: rings the seat's own endpoint ${HOTLINE_SEAT}
CTX_HOLD = "hotline-hold"  # `s`: the held citizen hears music on hold until Bridge takes it back
CTX_HOLD_SEAT = "hotline-hold-seat"  # `s`: the seat waits in silence while its citizen is held

EXT_START = "s"
SPY_MODES = ("listen", "whisper", "barge")

# FastAGI scripts (agi://host:port/<script>)
AGI_INTAKE = "ivr"
AGI_SURVEY = "survey"

# Channel variables
VAR_QUEUE = "HOTLINE_QUEUE"
VAR_ACTION = "HOTLINE_ACTION"  # queue | emergency | watch | hangup
VAR_TARGET = "HOTLINE_TARGET"  # emergency number when action is emergency
VAR_CATEGORY = "HOTLINE_CATEGORY"  # a category code of the ticket engine's tree, nothing else
VAR_EMERGENCY_SERVICE = "HOTLINE_EMERGENCY_SERVICE"  # fire | police | medical | traffic (action emergency)
VAR_NOT_ACCEPTED_REASON = "HOTLINE_NOT_ACCEPTED_REASON"  # DOMAIN.md §3 code of tickets.vocab
VAR_PRIORITY = "HOTLINE_PRIORITY"  # QUEUE_PRIO: PRIORITY_NORMAL or PRIORITY_URGENT
VAR_TICKET = "HOTLINE_TICKET"
VAR_TICKET_HINT = "HOTLINE_TICKET_HINT"
VAR_TICKET_TYPE = "HOTLINE_TICKET_TYPE"  # IVR's guess: 咨询 求助 投诉 举报 意见建议 表扬
VAR_UNIT = "HOTLINE_UNIT"  # IVR's suggested handling unit
VAR_DTMF = "HOTLINE_DTMF"  # the key the caller pressed at the IVR menu (IvrResult.dtmf)
VAR_CONF = "HOTLINE_CONF"
VAR_DIAL = "HOTLINE_DIAL"
VAR_SEAT = "HOTLINE_SEAT"
VAR_SPY_TARGET = "HOTLINE_SPY_TARGET"
VAR_CALL = "HOTLINE_CALL"  # inherited (__) uniqueid of the citizen's first channel

# HOTLINE_PRIORITY values (app_queue: higher is answered first); 003 §10: water, power, gas and
# heating outages, and emergencies, are urgent. The ticket writer makes such a call's draft 紧急.
PRIORITY_NORMAL = 0
PRIORITY_URGENT = 10

# Endpoints / trunks in pjsip.conf
# The development trunk's name (the default of core.softswitch, and how the captures were recorded).
# Code never assumes it: a deployment names its trunks in HOTLINE_SOFTSWITCH__TRUNKS, and calls are
# placed through the routes of the softswitch settings.
TRUNK_ENDPOINT = "world"
