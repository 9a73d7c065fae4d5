from starter.cli import app
from starter.rr_cli import rr_app

app.add_typer(rr_app, name="rr")
app(prog_name="python -m starter")
