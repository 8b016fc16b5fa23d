"""Live updates for the desk and the wallboard over websockets.

`protocol` (frames and close codes), `hub` (per-process fan-out with bounded queues and a replay
ring), `access` (who may subscribe to what and send which command), `bridge` (the one Redis
pub/sub subscription of the process), `session` (one connection's life cycle) and `routes` (the
FastAPI endpoint and the lifespan that starts the bridge).
"""
