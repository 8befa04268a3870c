"""The application above every domain: it assembles each domain's routers (`routes`), the words of the
domains the templates show (`jinja`), the pages that belong to no single domain (`pages`), and serves them
(`main.create_app`, `cli.serve`). Nothing in cchc imports it but the command line."""
