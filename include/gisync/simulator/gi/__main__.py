"""``python -m gisync.simulator.gi --port N ...``, same as ``python -m gisync simulator gi``."""

from gisync.simulator.gi import main

main()
