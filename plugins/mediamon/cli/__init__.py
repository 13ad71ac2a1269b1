"""The command line (`mediamon`)."""
