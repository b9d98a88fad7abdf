"""What reads across every app, and so sits above them all (standards ← organisations ←
assessments ← evidence ← reports ← dashboard): the organisation's dashboard and the main
navigation (its current year). No models of its own."""
