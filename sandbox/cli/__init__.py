"""The command-line tools (`dsop-sandbox`, DESIGN D19): main.py parses and dispatches; one module per command
(serve, flow with its report, export, the validate summary); background.py runs a real server in a thread for
flow/export/the pytest plugin; args.py holds the argument types they share."""
