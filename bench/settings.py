"""Production settings plus one minimal view, the baseline for bench/throughput.py."""

from bcfplans.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
