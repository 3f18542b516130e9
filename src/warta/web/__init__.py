"""The read-only web view of a store: search, article and corpus pages, and a JSON API.

`app.create_app(db)` builds the FastAPI application; `server.serve(db, host, port,
workers)` runs it with uvicorn in one or more processes (what `warta serve` does).
Templates and the small CSS and JS live beside this file: the pages load nothing
from elsewhere and work offline.
"""
