"""The benchmark suite: quality against baselines, latency, ingest, scale and the Telegram bot.

Run it with ``python -m bench.run`` (see ``bench/README.md``). Benchmarks are not tests: only
a ``--quick`` smoke run is part of the test suite.
"""
