"""``python -m gisync.simulator.myunisoft --port N ...``, same as ``python -m gisync simulator myunisoft``."""

from gisync.simulator.myunisoft import main

main()
