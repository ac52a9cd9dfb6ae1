"""The portal as gunicorn serves it in the benchmarks: the instance folder from BENCH_INSTANCE,
everything else from the PORTAL_* environment as in production."""
import os

from portal import create_app

app = create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE"]})
