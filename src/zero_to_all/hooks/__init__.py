"""The MkDocs hooks, one file per concern, listed under `hooks:` in mkdocs.yml:

- `figures_and_math.py`: the figures pages show, drawn (or taken from the
  cache) and added to the build; KaTeX served by the site itself;
- `notebooks.py`: a notebook generated from every chapter, its nav section,
  and the Download / Open in Colab / View buttons;
- `policy_and_stamp.py`: the Content-Security-Policy of every page, table
  alignment as classes (no inline styles), and each page's "last verified" stamp.

Nothing is ever written into docs/: generated files are added to the build.
"""
