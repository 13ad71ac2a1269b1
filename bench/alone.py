"""Extraction alone on the throughput benchmark's pages, in a process of its own; prints
one JSON object.

    python -m bench.alone [--dataset DIR]

(a) decode + extract with the pipeline's options, (b) lxml parsing alone; each page once,
as the pipeline's workers see it. A process of its own because trafilatura and htmldate
keep caches keyed by text (`functools.lru_cache`): a second pass over the same pages in one
process took 5-9% less CPU (measured here), which the pipeline never gets.
"""

from __future__ import annotations

import argparse
import json
import time

from lxml import html as lxml_html

from bench.common import AEB_DEFAULT, add_dataset_argument, aeb_dir
from bench.corpus import build
from mediamon.extract.article import decode_html, extract_article


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataset_argument(parser, AEB_DEFAULT)
    dataset = aeb_dir(parser.parse_args().dataset)
    bodies = [body for path, (body, _kind) in build(dataset).items() if path.endswith(".html")]
    started = time.process_time()
    for body in bodies:
        extract_article(decode_html(body)[0])
    extraction_cpu = time.process_time() - started
    decoded = [decode_html(body)[0] for body in bodies]
    started = time.process_time()
    for text in decoded:
        lxml_html.document_fromstring(text)
    parsing_cpu = time.process_time() - started
    print(
        json.dumps(
            {"pages": len(bodies), "extraction_cpu_s": extraction_cpu, "parsing_cpu_s": parsing_cpu}
        )
    )


if __name__ == "__main__":
    main()
