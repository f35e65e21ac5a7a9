"""Mon Compte Caf: the application factory."""
from __future__ import annotations

import os

import click
from flask import Flask
from flask_compress import Compress
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from services.audit_log import init_logging
from services.config import check_settings, settings_from_env
from services import models  # noqa: F401  (tables known to Alembic)
from services.database import db, migrate
from services.franceconnect import init_franceconnect
from services.limiter import limiter
from services.queue import init_queue
from services.sessions import ServerSessionInterface, make_store
from services.web import register_web


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings_from_env(app.instance_path, (config or {}).get("APP_ENV")))
    app.config.update(config or {})
    check_settings(app.config)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(app, db)
    limiter.init_app(app)
    Compress(app)
    Htmx(app)
    app.session_interface = ServerSessionInterface(make_store(app.config))
    init_franceconnect(app)
    init_queue(app)
    register_web(app)
    init_logging(app)

    from blueprints.account import bp as account_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.first_login import bp as first_login_bp
    from blueprints.franceconnect import bp as franceconnect_bp
    from blueprints.pages import bp as pages_bp
    from blueprints.password_reset import bp as password_reset_bp

    for bp in (pages_bp, auth_bp, first_login_bp, account_bp, password_reset_bp,
               franceconnect_bp):
        app.register_blueprint(bp)
    if app.config["DEV_TOOLS"]:
        from blueprints.dev import bp as dev_bp

        app.register_blueprint(dev_bp)

    @app.cli.command("demo-data")
    def demo_data() -> None:
        """(Re)create the demo accounts of journey.md."""
        from services.demo import load_demo_data

        for account in load_demo_data():
            click.echo(f"{account.display_name}: {account.nir or account.provisional_id}")

    @app.cli.command("init-db")
    @click.option("--demo-if-empty", is_flag=True, help="Add the demo accounts to an empty database.")
    def init_db(demo_if_empty: bool) -> None:
        """Create or upgrade the schema (Alembic migrations)."""
        from services.database import create_schema
        from services.demo import load_demo_data
        from services.models import Account

        create_schema()
        if demo_if_empty and db.session.execute(db.select(Account.id).limit(1)).first() is None:
            load_demo_data()
            click.echo("Demo accounts created.")

    return app
