"""The pipeline: one ingestion cycle and its batch processing, shared by the CLI and the DAGs."""
