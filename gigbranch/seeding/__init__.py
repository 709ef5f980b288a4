"""The demo county's composition root: `manage.py seed_demo` and `manage.py demo_logins`.

This app, like `gigbranch.demo` and each app's `demo.py` that it calls, may import every
app: it composes the whole system to seed a fictional county. Nothing imports it (ADR 0049;
`make lint` checks the layers of every other app).
"""
