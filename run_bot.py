"""Start the bot: ``python run_bot.py`` (see README for the commands)."""

from bot.cli import main

if __name__ == "__main__":
    main()
