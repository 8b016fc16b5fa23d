"""REST API of the work-order engine (routers in `routes/`, dependencies in `deps.py`)."""
