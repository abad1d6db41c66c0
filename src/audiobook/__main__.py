"""`python -m audiobook` and the `audiobook` command.

The command's script imports only this module, and the CLI when it runs: engine workers import the
main script again (multiprocessing does that), and the CLI's imports (typer, rich, pydantic) would
add 60 ms to every worker's start.
"""


def main() -> None:
    from audiobook.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
