"""``python -m lergan`` runs the command line."""

from lergan.cli import main

if __name__ == "__main__":
    main()
