"""The read-only web view of a store: search, article and corpus pages, and a JSON API.

`create_app(db)` builds the FastAPI application; `serve(db, host, port)` runs it
with uvicorn (what `warta serve` does). Templates and the small CSS and JS live
beside this file: the pages load nothing from elsewhere and work offline.
"""
