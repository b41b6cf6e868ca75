"""``python -m bot.cli``: the same command line as the ``creditbot`` console script."""

from bot.cli import main

if __name__ == "__main__":
    main(prog_name="creditbot")
