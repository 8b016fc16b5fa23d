// The names of the websocket `command` frames: the `type` of each command of callflow.commands
// (the server's registry; agent_desk.ws.access says who may send which). The pages use these and
// no other literal; tests/unit/agent_desk/test_ws_command_registry.py checks the two lists agree.
export const COMMANDS = Object.freeze({
  SEAT_LOGIN: "seat_login",
  SEAT_LOGOUT: "seat_logout",
  READY: "ready",
  NOT_READY: "not_ready",
  WRAPUP: "wrapup",
  ATTACH_TICKET: "attach_ticket",
  THREEWAY: "threeway",
  EMERGENCY: "emergency",
  HOLD: "hold",
  RESUME: "resume",
  SPY: "spy",
  SURVEY_CALLBACK: "survey_callback",
  MISSED_CALLBACK: "missed_callback",
  HANGUP: "hangup",
});
