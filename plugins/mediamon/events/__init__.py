"""Events: reports of one incident grouped across outlets, rewrites and languages."""
