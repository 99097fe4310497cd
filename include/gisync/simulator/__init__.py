"""Local stand-ins for MyUnisoft and the GI (FastAPI), used by the demo, the tests and docker-compose."""
