"""The gisync Airflow plugin: the "GI → MyUnisoft" status page (``/gisync``) and its nav entry.

The page itself (and how it requires an authenticated Airflow user) lives in :mod:`status_page`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.plugins_manager import AirflowPlugin

_PLUGINS = str(Path(__file__).resolve().parents[1])
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)

from gisync_airflow.status_page import URL_PREFIX, app  # noqa: E402

NAV_NAME = "GI → MyUnisoft"


class GisyncPlugin(AirflowPlugin):
    name = "gisync"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "gisync status"}]  # noqa: RUF012
    external_views = [  # noqa: RUF012
        {
            "name": NAV_NAME,
            "href": URL_PREFIX + "/",
            "destination": "nav",
            "url_route": "gisync",
            "category": "browse",
        }
    ]
