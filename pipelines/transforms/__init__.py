"""Pure ``DataFrame -> DataFrame`` transforms: no I/O, no session creation, unit-tested on small frames."""
