"""The HTTP edge: application factory, API plumbing, problems, OpenAPI, health."""
