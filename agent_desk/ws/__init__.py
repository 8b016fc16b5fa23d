"""Live updates for the desk and the wallboard over websockets.

`protocol` (frames and close codes), `hub` (per-process fan-out with bounded outboxes and a replay
ring), `access` (who may subscribe to what and send which command), `bridge` (the one Redis
pub/sub subscription of the process), `session` (one connection's life cycle), `service` and
`routes` (the `/ws` endpoint and the lifespan that starts the bridge), `fastpath` (the uvicorn
protocol that lets the hub write prepared frames to sockets) and `wiring` (tokens, callflow's
channels, snapshots and command bus).
"""
