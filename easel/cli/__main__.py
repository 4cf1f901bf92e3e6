"""`python -m easel.cli`: the same as the `easel` command."""

from easel.cli import main

if __name__ == "__main__":
    main()
