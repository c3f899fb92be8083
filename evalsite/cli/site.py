"""``flask --app wsgi`` commands that set a site up: database upgrade, users, demo data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from evalsite.database import utcnow
from evalsite.keys import code_keys
from evalsite.schema import upgrade_database
from surveys.errors import DomainError
from surveys.models import Role, Unit
from surveys.services import users


def _session():
    return current_app.extensions["evalsite.sessions"]()


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic upgrade head)."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("数据库已是最新结构。")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--unit", "unit_name", help="Unit name, required for unit_officer.")
@click.option("--name", "display_name", default="", help="Display name.")
def create_user(username: str, role: str, password: str, unit_name: str | None, display_name: str) -> None:
    """Create a login account."""
    with _session() as session:
        unit_id = None
        if unit_name:
            unit = session.scalar(select(Unit).where(Unit.name == unit_name))
            if unit is None:
                raise click.BadParameter(f"no unit named {unit_name!r}", param_hint="--unit")
            unit_id = unit.id
        try:
            users.create_user(
                session, username, password, Role(role), now=utcnow(), unit_id=unit_id, display_name=display_name
            )
        except DomainError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
    click.echo(f"已创建用户 {username}（{role}）。")


@click.command("seed-demo")
@with_appcontext
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed: same seed, same demo.")
@click.option("--force", is_flag=True, help="Seed even if the database already has campaigns.")
@click.option("--ballots", type=click.IntRange(0, 1_000_000), default=0, help="Also cast this many synthetic ballots.")
@click.option("--history", is_flag=True, help="Also build last year's campaign, rated, closed and scored.")
def seed_demo(seed: int, force: bool, ballots: int, history: bool) -> None:
    """Create a demo campaign modelled on Baoji's 万名群众评议百名科长, with a login per role.

    ``--ballots N`` casts N synthetic ballots through the real casting service into the
    open round, so the demo has turnout to show. ``--history`` adds last year's campaign,
    rated, closed and scored, as this one's predecessor: rankings, charts and trends to read.
    Always added: a second campaign shaped like Zhaoyuan's 千人评议 (units, windows and 股长,
    components and rater groups with selectors), rated, scored and published, whose one run
    names 十佳单位, 十佳窗口 and 十佳股长 under their own headings.
    """
    from surveys import demo, demo_ballots, demo_history, demo_matrix

    with _session() as session:
        if demo.has_data(session) and not force:
            click.echo("数据库中已有评议活动，未写入演示数据（可加 --force）。")
            return
        logins = demo.seed(session, seed=seed, now=utcnow())
        session.commit()
        click.echo("演示数据已创建。登录账号：")
        for login in logins:
            click.echo(f"  {login.role:<13} {login.username:<12} 密码 {login.password}")
        if ballots:
            keys = code_keys()
            planned = demo_ballots.plan(session, ballots, keys, seed=seed, now=utcnow())
            with click.progressbar(length=len(planned), label="投票") as bar:
                for step in demo_ballots.cast(session, planned, keys, now=utcnow()):
                    bar.update(step)
            click.echo(f"已投入 {len(planned)} 张演示评议票。")
        if history:
            current = demo.newest_campaign(session)
            steps = demo_history.seed_last_year(session, current, code_keys(), seed=seed, now=utcnow())
            with click.progressbar(length=demo_history.BALLOTS + 1, label="上一年度评议与计分") as bar:
                for step in steps:
                    bar.update(step)
            click.echo("已生成上一年度评议活动及其计分结果。")
        steps = demo_matrix.seed_zhaoyuan(session, code_keys(), seed=seed, now=utcnow())
        with click.progressbar(length=demo_matrix.STEPS, label="千人评议（单位、窗口、股长）") as bar:
            for step in steps:
                bar.update(step)
        click.echo("已生成第二个演示评议活动“千人评议”：十佳单位、十佳窗口、十佳股长。")
