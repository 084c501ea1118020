"""The only place SQL lives: models, repositories, the unit of work, migrations, the embedded server."""
