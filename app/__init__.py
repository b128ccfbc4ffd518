"""People's ways in: the CLI (cli.py) and the web portal (web/). Running the system is processes/'s."""
