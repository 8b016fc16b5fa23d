"""Live call control over AMI: the `ami` role (see `callflow.service.run_callflow`).

It watches one Asterisk node, keeps queues, seats and calls in Redis for the desk and the
wallboard (`callflow.store`, `callflow.notifier`), enforces the three-ring rule, runs the desk's
commands (`callflow.commands`) and hands every finished citizen call to the ticket writer.
"""
