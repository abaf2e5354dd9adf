from rnnkit.cli.main import entry

entry()
