"""Speed benchmarks, run through the real services on fresh databases: ``make bench``.

``python -m benchmarks [NAME ...] [--products N] [--postgres [URL]]`` runs the named
benchmarks (all the default ones without names) on SQLite, and on PostgreSQL too when
``--postgres`` or ``POS_TEST_POSTGRES_URL`` names a server (each run creates and drops its
own ``pos_bench_<random>`` databases). It prints a table of p50 / p95 / max against each
target and writes the same figures to ``bench-data/results/<time>.json``. Generated data
(the synthetic catalog CSV) is cached under ``bench-data/``.

Adding a benchmark: write a function ``(env: Env, backend: Backend) -> list[Result]`` in a
module of this package, decorate it with :func:`benchmarks.registry.benchmark`, and list
the module in ``benchmarks.registry.MODULES``. ``env.fresh(backend)`` gives an empty
migrated database with tax classes and an owner (``env.owner``); ``env.loaded(backend)``
gives a copy of a database holding the whole catalog. Time with :func:`Result.timed` or
build a :class:`Result` from samples in seconds.
"""
