"""The floor app served the way the app is (`streamlit run bench/floor/serve.py` from the
app's folder, as bench.cluster starts it with `script=FLOOR_SCRIPT`): an `st.App` with the
app's middleware (lib/web/webguard.py) and, the working directory being the app's, the app's
.streamlit/config.toml (theme, server and client options). Only the script differs, so that
what the floor measures is Streamlit's own cost and the app's is the difference."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from lib.web import nodelay
from lib.web.webguard import SecurityHeaders, install_french_refusals

install_french_refusals()
nodelay.install()  # as serve.py: the floor's connections send at once too

app = st.App(Path(__file__).with_name("floor_app.py"), middleware=[Middleware(SecurityHeaders)])
