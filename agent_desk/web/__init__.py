"""The pages: seat desk, supervisor wallboard, unit portal, public page (all served by the app)."""
