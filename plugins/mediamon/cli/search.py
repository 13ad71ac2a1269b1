"""`mediamon search ...`: Elasticsearch and Kibana set-up."""

from __future__ import annotations

from typing import Annotated

import typer

from mediamon.cli.common import console, errors, settings

search_app = typer.Typer(help="Elasticsearch and Kibana set-up.")


@search_app.command("setup")
def search_setup(
    kibana: Annotated[bool, typer.Option(help="also import the Kibana saved objects")] = True,
) -> None:
    """Apply the index template and alias, and import Kibana's saved objects (idempotent)."""
    from mediamon.search import indexer
    from mediamon.search.kibana import KibanaRefusedObjects, import_saved_objects

    config = settings()
    index = indexer.ensure_index(indexer.client(config.require_elasticsearch()), config.index)
    console.print(f"index template applied; alias {config.index} -> {index}")
    if kibana:
        try:
            count = import_saved_objects(config.kibana_url, config.index, config.kibana_auth)
        except KibanaRefusedObjects as refused:
            # One line per refused object with Kibana's own reason, printed as is (no markup:
            # reasons hold [brackets]); the objects Kibana accepted are imported.
            for item in refused.refused:
                errors.print(f"error: {item}", markup=False, highlight=False, emoji=False)
            raise typer.Exit(2) from refused
        console.print(f"imported {count} Kibana saved object(s) into {config.kibana_url}")
